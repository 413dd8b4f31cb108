# LocalizerAlexNetRobust on the synthetic demo data: the demo recipe of localizer_alexnet_demo.py
# with the robust model: map dropout 0.3 and a log-sum-exp pooling much closer to the mean than
# the model's default (r = 0.25 instead of 5; on 13x13 maps a sharp maximum again finds one part
# of the object). r and the box threshold (0.6 of the way from each map's median to its peak, as
# for the plain model) are the best pair of a sweep over r in {0.1, 0.25, 0.5, 1, 2} and mean
# pooling, scored on the `val` split (docs/benchmarks.md, "Localizer").
_base_ = ['./localizer_alexnet_demo.py']

model = dict(type='LocalizerAlexNetRobust', head=dict(pooling='lse', lse_r=0.25, map_dropout=0.3))
