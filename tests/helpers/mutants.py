"""Seeded mutants of the real PASCAL VOC sample files (tests/data/voc-samples), for the fuzz tests.

Each generator takes a ``random.Random`` and the bytes of one real file and returns
(kind, bytes): ``kind`` names the damage so a failing mutant can be rebuilt and read. The
mutations are the ones real datasets suffer: a flipped byte, a lost line, a wrong tag, a number
that is huge, negative, NaN or infinite, a cut-off file, another text encoding; for JPEGs a
truncated download, a zeroed run of sectors, a header that lies about the size or the markers.

``write_mutant_tree`` writes them as one VOC tree in which mutant ``m`` has its own split file
``ImageSets/Main/<m>.txt`` (so one dataset can be built per mutant) and ``all.txt`` lists every
mutant and the unmodified originals. ``check_sample`` is the promise a loaded sample keeps.
"""
import re
import shutil
import struct
from pathlib import Path

import numpy as np

from vlrkit.datasets.voc import VOC_CLASSES

# Numbers a broken export or a hand edit can leave in an annotation.
ODD_NUMBERS = ('nan', 'NaN', 'inf', '-inf', 'Infinity', '1e400', '-1e400', '1e308', '-500', '-1',
               '0', '99999999999999999999', '1e-300', '0x1F', '', '  ', '12abc', '4.5.6', '\u00bd',
               '--3', '+7', '1_000')
NUMBER_TAGS = ('xmin', 'ymin', 'xmax', 'ymax', 'width', 'height', 'difficult', 'truncated')
SWAPS = (('xmin', 'xmax'), ('ymin', 'ymax'), ('width', 'height'), ('name', 'pose'),
         ('xmin', 'ymin'), ('object', 'part'), ('bndbox', 'size'), ('difficult', 'truncated'))


# ---------------------------------------------------------------- annotations (XML)
def flip_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return 'byte flips', bytes(data)


def delete_line(rng, data):
    lines = data.split(b'\n')
    del lines[rng.randrange(len(lines))]
    return 'deleted line', b'\n'.join(lines)


def swap_tags(rng, data):
    a, b = rng.choice(SWAPS)
    text = re.sub(rf'<(/?)({a}|{b})>', lambda m: f'<{m[1]}{b if m[2] == a else a}>', data.decode())
    return f'swapped <{a}> and <{b}>', text.encode()


def odd_number(rng, data):
    tag, value = rng.choice(NUMBER_TAGS), rng.choice(ODD_NUMBERS)
    text = data.decode()
    spots = [m.span(1) for m in re.finditer(rf'<{tag}>([^<]*)</{tag}>', text)]
    if not spots:
        return f'no <{tag}> to change', data
    start, end = rng.choice(spots)
    return f'<{tag}>{value!r}', (text[:start] + value + text[end:]).encode()


def truncate(rng, data):
    cut = rng.randrange(len(data))
    return f'truncated at {cut}/{len(data)}', data[:cut]


def reencode(rng, data):
    text = data.decode()
    choice = rng.randrange(6)
    if choice == 0:
        return 'utf-16 with BOM', text.encode('utf-16')
    if choice == 1:
        return 'utf-16 declared', ('<?xml version="1.0" encoding="utf-16"?>\n' + text).encode('utf-16')
    if choice == 2:
        return 'utf-8 BOM', b'\xef\xbb\xbf' + data
    accented = text.replace('</annotation>', '<note>caf\u00e9 \u00bd</note></annotation>')
    if choice == 3:
        return 'latin-1 undeclared', accented.encode('latin-1')
    if choice == 4:
        return 'latin-1 declared', ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                                    + accented).encode('latin-1')
    return 'utf-32', text.encode('utf-32')


def restructure(rng, data):
    text = data.decode()
    choice = rng.randrange(5)
    if choice == 0:
        return 'no <size>', re.sub(r'<size>.*?</size>', '', text, flags=re.S).encode()
    if choice == 1:
        return 'size 0x0', re.sub(r'<width>\d+</width>', '<width>0</width>',
                                  re.sub(r'<height>\d+</height>', '<height>0</height>', text)).encode()
    if choice == 2:
        first = re.search(r'<object>.*?</object>', text, flags=re.S).group(0)
        return 'duplicated object', text.replace(first, first + first, 1).encode()
    if choice == 3:
        return 'no <object>', re.sub(r'<object>.*?</object>', '', text, flags=re.S).encode()
    return 'wrapped root', f'<dataset>{text}</dataset>'.encode()


XML_MUTATIONS = (flip_bytes, delete_line, swap_tags, odd_number, odd_number, truncate, reencode,
                 restructure)


def xml_mutant(rng, data):
    return rng.choice(XML_MUTATIONS)(rng, data)


# ---------------------------------------------------------------- images (JPEG)
def _segments(data):
    """{marker byte: offset of its 0xFF} for the header segments, up to the first SOS."""
    found, pos = {}, 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        found.setdefault(marker, pos)
        if marker == 0xDA:
            break
        pos += 2 + struct.unpack('>H', data[pos + 2:pos + 4])[0]
    return found


def _scan_range(data):
    sos = _segments(data)[0xDA]
    return sos + 2 + struct.unpack('>H', data[sos + 2:sos + 4])[0], len(data) - 2


def jpeg_truncate(rng, data):
    cut = rng.randrange(2, len(data) - 2)
    return f'jpeg truncated at {cut}/{len(data)}', data[:cut]


def jpeg_zero_run(rng, data):
    start, stop = _scan_range(data)
    length = rng.choice((16, 64, 512, 2048))
    at = rng.randrange(start, stop - length)
    return f'jpeg {length} zero bytes at {at}', data[:at] + bytes(length) + data[at + length:]


def jpeg_flip_scan(rng, data):
    start, stop = _scan_range(data)
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(start, stop)] ^= 1 << rng.randrange(8)
    return 'jpeg scan byte flips', bytes(data)


def jpeg_size_lie(rng, data):
    segments = _segments(data)
    sof = next(segments[m] for m in (0xC0, 0xC1, 0xC2) if m in segments)
    height, width = struct.unpack('>HH', data[sof + 5:sof + 9])
    new = rng.choice([(height // 2, width), (height, width * 2), (1, 1), (0, width),
                      (height + 8, width), (65535, 65535), (60000, 3000)])
    return (f'jpeg header says {new[1]}x{new[0]} (is {width}x{height})',
            data[:sof + 5] + struct.pack('>HH', *new) + data[sof + 9:])


def jpeg_marker_lie(rng, data):
    segments = _segments(data)
    choice = rng.randrange(6)
    if choice == 0:
        return 'jpeg without SOI', data[2:]
    if choice == 1:
        return 'jpeg without EOI', data[:-2]
    if choice == 2:
        sof = next(segments[m] for m in (0xC0, 0xC1, 0xC2) if m in segments)
        return 'jpeg SOF says lossless', data[:sof + 1] + b'\xc3' + data[sof + 2:]
    if choice == 3:
        dht = segments[0xC4]
        return 'jpeg DHT zeroed', data[:dht + 4] + bytes(20) + data[dht + 24:]
    if choice == 4:
        sos = segments[0xDA]
        return 'jpeg SOS marker gone', data[:sos] + b'\x00\x00' + data[sos + 2:]
    return 'jpeg garbage', bytes(rng.randrange(256) for _ in range(2000))


JPEG_MUTATIONS = (jpeg_truncate, jpeg_zero_run, jpeg_zero_run, jpeg_flip_scan, jpeg_size_lie,
                  jpeg_marker_lie)


def jpeg_mutant(rng, data):
    return rng.choice(JPEG_MUTATIONS)(rng, data)


# ---------------------------------------------------------------- split files
def split_mutant(rng, img_id):
    line = img_id + rng.choice(('\r\n', '\n', '\r', '  1\r\n', '\t-1\n'))
    choice = rng.randrange(4)
    if choice == 0:
        return 'split with BOM', b'\xef\xbb\xbf' + line.encode()
    if choice == 1:
        return 'split in utf-16', line.encode('utf-16')
    if choice == 2:
        return 'split with blank lines', ('\n \n' + line + '\n\n').encode()
    return 'split line ending', line.encode()


# ---------------------------------------------------------------- the tree
def sample_files(samples_root):
    """[(year, id)] of the real samples."""
    return [(year, p.stem) for year in ('2007', '2012')
            for p in sorted((Path(samples_root) / f'VOC{year}' / 'Annotations').glob('*.xml'))]


def write_mutant_tree(root, samples_root, rng, num_xml, num_jpeg, num_split):
    """One VOC2007-layout tree of mutants; returns [(mutant id, kind)].

    An XML mutant keeps its source's image and a JPEG mutant its source's XML, so each mutant
    has exactly one damaged file. The originals are copied in under their own ids.
    """
    voc = Path(root) / 'VOCdevkit' / 'VOC2007'
    for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    sources = sample_files(samples_root)

    def source(year, img_id, ext):
        sub = 'Annotations' if ext == 'xml' else 'JPEGImages'
        return (Path(samples_root) / f'VOC{year}' / sub / f'{img_id}.{ext}').read_bytes()

    mutants = []
    for year, img_id in sources:
        shutil.copy(Path(samples_root) / f'VOC{year}/Annotations/{img_id}.xml', voc / 'Annotations')
        shutil.copy(Path(samples_root) / f'VOC{year}/JPEGImages/{img_id}.jpg', voc / 'JPEGImages')
    for n in range(num_xml + num_jpeg + num_split):
        year, img_id = rng.choice(sources)
        mid = f'm{n:04d}_{img_id}'
        xml, jpg, split = source(year, img_id, 'xml'), source(year, img_id, 'jpg'), None
        if n < num_xml:
            kind, xml = xml_mutant(rng, xml)
        elif n < num_xml + num_jpeg:
            kind, jpg = jpeg_mutant(rng, jpg)
        else:
            kind, split = split_mutant(rng, mid)
        (voc / 'Annotations' / f'{mid}.xml').write_bytes(xml)
        (voc / 'JPEGImages' / f'{mid}.jpg').write_bytes(jpg)
        (voc / 'ImageSets' / 'Main' / f'{mid}.txt').write_bytes(split or f'{mid}\n'.encode())
        mutants.append((mid, kind))
    ids = [img_id for _, img_id in sources] + [mid for mid, _ in mutants]
    (voc / 'ImageSets' / 'Main' / 'all.txt').write_text('\n'.join(ids) + '\n')
    return mutants


# ---------------------------------------------------------------- the promise
def check_sample(sample):
    """Why ``sample`` is wrong, or None: boxes finite and inside the image, labels valid."""
    boxes, labels = sample['boxes'].numpy(), sample['labels'].numpy()
    height, width = sample['image'].shape[-2:]
    if len(boxes) == 0 or len(labels) != len(boxes) or len(sample['difficult']) != len(boxes):
        return f'{len(boxes)} boxes, {len(labels)} labels'
    if not np.isfinite(boxes).all():
        return f'non-finite box {boxes.tolist()}'
    inside = (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= width) & \
        (boxes[:, 3] <= height) & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    if not inside.all():
        return f'box {boxes.tolist()} not inside the {width}x{height} image'
    if not ((labels >= 0) & (labels < len(VOC_CLASSES))).all():
        return f'labels {labels.tolist()}'
    return None
