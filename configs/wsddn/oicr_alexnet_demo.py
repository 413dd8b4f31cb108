# OICR (Tang et al., CVPR 2017) on the synthetic demo data: the WSDDN demo recipe
# (wsddn_alexnet_demo.py) plus three refinement classifiers, each trained on the pseudo-labels of
# the stream before it (a region with IoU >= 0.5 with a seed takes the seed's class); at test time
# the three streams' scores replace WSDDN's region scores. See docs/wsddn.md.
_base_ = ['./wsddn_alexnet_demo.py']

# With the WSDDN demo's 256 px input, proposals of at least 16 px, context stream
# (context_scale=2.5) and flip test, inherited.
model = dict(head=dict(refine_times=3, refine_iou_thr=0.5))
