# LocalizerAlexNetRobust on the synthetic demo data: the demo recipe of localizer_alexnet_demo.py
# with the robust model (log-sum-exp pooling and map dropout; see docs/localizer.md).
_base_ = ['./localizer_alexnet_demo.py']

model = dict(type='LocalizerAlexNetRobust', head=dict(pooling='lse', lse_r=5.0, map_dropout=0.3))
