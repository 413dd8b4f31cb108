"""TensorBoard histograms of chosen parameters' gradients: vanishing or exploding layers show up.

The Runner clears gradients right after the optimizer step, before ``after_train_iter``; so the
gradients are caught as they are accumulated, with a post-accumulate-grad hook on each chosen
parameter, and only on iterations that will be logged. With fp16 AMP the GradScaler's scale is
divided out, so the histograms show true gradients. Under DDP rank 0 shows its own (local)
gradients. A frozen parameter (``requires_grad=False``, e.g. under ``frozen_stages``) has no
gradient to catch, and torch refuses a grad hook on it; it gets histograms of its weights instead
(``weight/<name>``), with one warning naming it, so a config that asks for it still runs.
"""
from ...errors import ConfigError
from ...registry import HOOKS
from .hook import Hook


@HOOKS.register_module()
class GradHistogramHook(Hook):
    """Histograms of the gradients of ``params`` (names from ``model.named_parameters()``).

    Args:
        params: e.g. ``['layer1.1.conv1.weight', 'layer4.0.bn2.bias']`` (a name may also end with
            one of these, so ``backbone.`` prefixes can be left out).
        interval: iterations between histograms.
    """

    priority = 'LOW'

    def __init__(self, params, interval=50):
        self.params = [params] if isinstance(params, str) else list(params)
        self.interval = interval
        self._handles, self._grads, self._armed = [], {}, False
        self._frozen = {}   # name -> parameter whose weights are logged instead of its gradients

    def before_train(self, runner):
        named = dict(runner.unwrapped_model.named_parameters())
        for wanted in self.params:
            matches = [n for n in named if n == wanted or n.endswith('.' + wanted)]
            if len(matches) != 1:
                raise ConfigError(f'GradHistogramHook param {wanted!r} matches {matches or "nothing"} '
                               f'among the model parameters, e.g. {list(named)[:6]}')
            name, param = matches[0], named[matches[0]]
            if not param.requires_grad:
                runner.logger.warning(f'GradHistogramHook: {name} is frozen (requires_grad=False), '
                                      f'so it has no gradients; logging its weights as weight/{name}')
                self._frozen[name] = param
                continue
            self._handles.append(param.register_post_accumulate_grad_hook(self._catch(name)))

    def _catch(self, name):
        def hook(param):
            if self._armed and param.grad is not None:
                self._grads[name] = param.grad.detach().float().cpu().clone()
        return hook

    def before_train_iter(self, runner, batch_idx, batch):
        self._armed = runner.writer is not None and self.every_n(runner.progress.iter + 1, self.interval)

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if self._armed and runner.writer is not None:
            scale = runner.optim_step.loss_scale()
            for name, grad in self._grads.items():
                runner.writer.add_histogram(f'grad/{name}', grad / scale, runner.progress.iter)
            for name, param in self._frozen.items():
                runner.writer.add_histogram(f'weight/{name}', param.detach().float().cpu(),
                                            runner.progress.iter)
        self._armed, self._grads = False, {}

    def after_train(self, runner):
        for handle in self._handles:
            handle.remove()
        self._handles, self._frozen = [], {}
