"""Training scalars (losses, lr, seconds per iteration and waiting for data, seconds per epoch,
the training set's metrics) and evaluation metrics (val/ and test/) to TensorBoard, on rank 0."""
from ...registry import HOOKS
from .hook import Hook


@HOOKS.register_module()
class TensorBoardHook(Hook):

    priority = 'BELOW_NORMAL'

    def __init__(self, interval=10):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, batch, outputs):
        if runner.writer is None or not self.every_n_train_iters(runner, self.interval):
            return
        step = runner.progress.iter
        for key, value in runner.log_vars.items():
            runner.writer.add_scalar(f'train/{key}', value, step)
        runner.writer.add_scalar('train/lr', runner.optimizer.param_groups[0]['lr'], step)
        # data_time close to time means the GPU waits for the loader (more num_workers, a cache).
        runner.writer.add_scalar('train/time', runner.iter_time, step)
        runner.writer.add_scalar('train/data_time', runner.data_time, step)

    def after_train_epoch(self, runner):
        """``train/epoch_time`` per epoch, and ``train/<metric>`` when the loop evaluated the
        training set; at the epoch's last iteration, as the val metrics after it."""
        self._add_metrics(runner, 'train', dict(epoch_time=runner.epoch_time, **runner.train_metrics))

    def after_val(self, runner, metrics):
        self._add_metrics(runner, 'val', metrics)

    def after_test(self, runner, metrics):
        self._add_metrics(runner, 'test', metrics)

    @staticmethod
    def _add_metrics(runner, mode, metrics):
        if runner.writer is not None:
            for key, value in metrics.items():
                runner.writer.add_scalar(f'{mode}/{key}', value, runner.progress.iter)
