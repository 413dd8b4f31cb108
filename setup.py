"""Install vlrkit: ``pip install -e .`` (library) or ``pip install -e ".[dev]"`` (plus test tools).

``pip install .`` (not editable) works as well: the configs travel inside the package as
``vlrkit/configs`` (``vlrkit::fcos/fcos_r18_fpn_demo.py`` names one), and the console scripts
``vlrkit-train``, ``vlrkit-test``, ``vlrkit-infer``, ``vlrkit-analyze``, ``vlrkit-plot-curves`` and
``vlrkit-sweep`` run the tools.
"""
from setuptools import find_packages, setup

# One OpenCV. albumentations brings opencv-python-headless; mmengine would add the GUI build
# opencv-python beside it (both own the same cv2/ folder), so vlrkit takes mmengine-lite, the same
# Registry and Config without OpenCV. Selective search (issue 12) needs OpenCV's contrib modules
# (cv2.ximgproc): the `proposals` extra adds opencv-contrib-python-headless at exactly the headless
# build's version, so the two wheels write one consistent cv2/ (see docs/get_started.md).
OPENCV_VERSION = '5.0.0.93'
PROPOSALS = [f'opencv-python-headless=={OPENCV_VERSION}',
             f'opencv-contrib-python-headless=={OPENCV_VERSION}']

setup(
    name='vlrkit',
    version='0.1.0',
    description='A plugin-based, config-driven PyTorch toolkit for visual learning and recognition.',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=[*find_packages(include=['vlrkit', 'vlrkit.*']), 'vlrkit.configs'],
    # The configs folder of the repository is installed as vlrkit/configs, with its tree, so the
    # `_base_` paths inside the configs resolve in the installed copy as they do in a clone.
    package_dir={'vlrkit.configs': 'configs'},
    package_data={'vlrkit.configs': ['*.py', '**/*.py'],
                  # the photos the hard demo data cuts its backgrounds from
                  'vlrkit.datasets': ['demo_backgrounds/*.jpg', 'demo_backgrounds/SOURCE.md']},
    exclude_package_data={'vlrkit.configs': ['**/__pycache__/*']},
    entry_points={'console_scripts': [
        'vlrkit-train=vlrkit.tools.train:main',
        'vlrkit-test=vlrkit.tools.test:main',
        'vlrkit-infer=vlrkit.tools.infer:main',
        'vlrkit-analyze=vlrkit.tools.analyze:main',
        'vlrkit-plot-curves=vlrkit.tools.plot_curves:main',
        'vlrkit-sweep=vlrkit.tools.sweep:main',
    ]},
    python_requires='>=3.10',
    install_requires=[
        # torch >= 2.14 pulls the CUDA build from PyPI, which also runs on CPU; the CPU-only
        # 2.13 wheel some machines carry cannot load torchvision's compiled ops.
        'torch>=2.14',
        'torchvision>=0.29',
        'mmengine-lite>=0.10.7',
        'albumentations>=2.0',
        'pycocotools>=2.0.8',
        'tensorboard>=2.18',
        'numpy>=1.26',
        'scikit-learn>=1.5',
        'scipy>=1.13',
        'matplotlib>=3.9',
        'pillow>=10.0',
        'tqdm>=4.66',
    ],
    extras_require={
        # dev includes the proposals pins, so a test run (CI) computes selective search for real.
        'dev': ['pytest>=8.0', 'pytest-timeout>=2.3', *PROPOSALS],
        'proposals': PROPOSALS,
    },
)
