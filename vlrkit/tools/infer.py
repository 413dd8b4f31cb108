"""Run a trained model on your own images and draw what it sees.

``vlrkit-infer CONFIG CHECKPOINT INPUTS... [--out-dir DIR] [--score-thr T] [--topk K] [--tta]``

INPUTS are image files or folders of images. For each image a picture goes to ``--out-dir``
(boxes with class names and scores, the top class's heatmap, or the top-k labels), and every
prediction, in original-image pixels, to ``--out-dir/predictions.json``.
"""
import json
from pathlib import Path

from tqdm import tqdm

from vlrkit.apis import inference_model, init_model, list_images
from vlrkit.cli import friendly_errors, parser
from vlrkit.datasets.transforms.loading import read_rgb
from vlrkit.visualization.boxes import save_png
from vlrkit.visualization.inference_picture import draw_inference


def jsonable(value):
    """numpy arrays and scalars as lists and numbers, for predictions.json."""
    if hasattr(value, 'tolist'):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def main(argv=None):
    p = parser(__doc__)
    p.add_argument('config', help='the config the checkpoint was trained with')
    p.add_argument('checkpoint', help='a .pth written by tools/train.py')
    p.add_argument('inputs', nargs='+', help='image files or folders of images')
    p.add_argument('--out-dir', default='outputs', help='where pictures and predictions.json go')
    p.add_argument('--score-thr', type=float, default=0.3, help='boxes drawn from this score on')
    p.add_argument('--topk', type=int, default=5, help="classes listed for a classifier's image")
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--device', help='e.g. cpu or cuda:0 (default: cuda when available)')
    p.add_argument('--tta', action='store_true',
                   help='flip test-time augmentation: merge the predictions of each image and its mirror')
    args = p.parse_args(argv)
    with friendly_errors():
        model = init_model(args.config, args.checkpoint, device=args.device, tta=args.tta)
        files = [file for path in args.inputs for file in list_images(path)]
        out_dir = Path(args.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        predictions = []
        with tqdm(total=len(files), unit='img', disable=len(files) == 1) as progress:
            for start in range(0, len(files), args.batch_size):
                chunk = files[start:start + args.batch_size]
                for file, result in zip(chunk, inference_model(model, chunk, topk=args.topk)):
                    picture = out_dir / f'{file.stem}.png'
                    save_png(picture, draw_inference(read_rgb(file), result, args.score_thr))
                    predictions.append({'picture': str(picture),
                                        **{key: jsonable(value) for key, value in result.items()}})
                progress.update(len(chunk))
        (out_dir / 'predictions.json').write_text(json.dumps(predictions, indent=1))
        print(f'{len(files)} pictures and predictions.json in {out_dir}')


if __name__ == '__main__':
    main()
