"""Install vlrkit: ``pip install -e .`` (library) or ``pip install -e ".[dev]"`` (plus test tools)."""
from setuptools import find_packages, setup

setup(
    name='vlrkit',
    version='0.1.0',
    description='A plugin-based, config-driven PyTorch toolkit for visual learning and recognition.',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['vlrkit', 'vlrkit.*']),
    python_requires='>=3.10',
    install_requires=[
        # torch >= 2.14 pulls the CUDA build from PyPI, which also runs on CPU; the CPU-only
        # 2.13 wheel some machines carry cannot load torchvision's compiled ops.
        'torch>=2.14',
        'torchvision>=0.29',
        'mmengine>=0.10.7',
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
    extras_require={'dev': ['pytest>=8.0', 'pytest-timeout>=2.3']},
)
