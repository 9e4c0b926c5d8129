"""A fast QR symbol for the UPN QR code: byte mode behind an ECI designator, at a fixed version
and error-correction level (upn_qr: version 15, level M, ECI 4).

reportlab's encoder takes about 40 ms a symbol, most of it trying the eight mask patterns one
full placement at a time; with a QR code on every payment request a batch of 1,000 reminders
would take a minute. This one gives the same symbol for the same mask (a test compares all
eight with reportlab's) in about a millisecond:

- Reed–Solomon is linear, so the error-correction bytes of a block are the XOR of precomputed
  contributions, one per (position, byte value), each held as one Python integer;
- the symbol is one integer of n² bits (row by row, the top-left module first); the layout
  (function patterns, data module order) comes from reportlab once per version and is then a
  string permutation, and each mask is one XOR;
- the penalty rules (ISO/IEC 18004 §7.8.3) are counted with bit operations on that integer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from operator import itemgetter

_LEVELS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # reportlab's QRErrorCorrectLevel values
_PAD = (0xEC, 0x11)
_FINDER_LIKE = ("10111010000", "00001011101")  # N3: 1:1:3:1:1 with four light modules


# ---- Reed–Solomon over GF(256), polynomial 0x11D ------------------------------------------

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _generator(degree: int) -> list[int]:
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, c in enumerate(poly):
            nxt[j] ^= c
            nxt[j + 1] ^= _mul(c, _EXP[i])
        poly = nxt
    return poly  # highest power first, poly[0] == 1


def _remainder(message: list[int], generator: list[int]) -> list[int]:
    degree = len(generator) - 1
    rest = list(message) + [0] * degree
    for i in range(len(message)):
        coef = rest[i]
        if coef:
            for j in range(1, degree + 1):
                rest[i + j] ^= _mul(generator[j], coef)
    return rest[len(message) :]


def _pack(values: list[int]) -> int:
    return int.from_bytes(bytes(values), "big")


@cache
def _ecc_table(ec_count: int, max_data: int) -> tuple[tuple[int, ...], ...]:
    """table[k][v]: the ECC bytes (as one int) of value v at k places before a block's end."""
    generator = _generator(ec_count)
    table = []
    for k in range(max_data):
        basis = [_pack(_remainder([1 << b] + [0] * k, generator)) for b in range(8)]
        row = [0] * 256
        for v in range(1, 256):
            low = v & -v
            row[v] = row[v ^ low] ^ basis[low.bit_length() - 1]
        table.append(tuple(row))
    return tuple(table)


# ---- the layout of one version -------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    n: int
    blocks: tuple[tuple[int, int], ...]  # (total, data) codewords per block
    permutation: tuple[int, ...]  # module → index into the source string
    data_bits: int  # how many bits the source string holds before the two constants
    function: tuple[int, ...]  # per mask: the function patterns incl. its format info
    data_area: int  # 1 for every data module
    masks: tuple[int, ...]  # per mask: its pattern over the data modules
    no_bottom_right: int  # modules that have right, lower and lower-right neighbours
    run_h: int  # modules with four more modules to their right in the row
    run_v: int  # modules with four more modules below them in the column
    finder_h: int  # modules with ten more to their right (where an N3 pattern can start)
    finder_v: int  # modules with ten more below them


def _to_int(modules) -> int:
    return int("".join("1" if m else "0" for row in modules for m in row), 2)


@cache
def _layout(version: int, level: str) -> _Layout:
    from reportlab.graphics.barcode import qrencoder

    ecl = getattr(qrencoder.QRErrorCorrectLevel, level)
    qr = qrencoder.QRCode(version, ecl)
    n = version * 4 + 17
    function = []
    for mask in range(8):
        qr.moduleCount = n
        qr.modules = [[False] * n for _ in range(n)]
        qr.setupPositionProbePattern(0, 0)
        qr.setupPositionProbePattern(n - 7, 0)
        qr.setupPositionProbePattern(0, n - 7)
        qr.setupPositionAdjustPattern()
        qr.setupTimingPattern()
        qr.setupTypeInfo(False, mask)
        if version >= 7:
            qr.setupTypeNumber(False)
        function.append(_to_int(qr.modules))
    positions = qr.dataPosIterator()  # (col, row) in the order the data bits go in
    blocks = tuple(
        (b.totalCount, b.dataCount) for b in qrencoder.QRRSBlock.getRSBlocks(version, ecl)
    )
    data_bits = sum(total for total, _ in blocks) * 8
    zero = data_bits  # index of the constant "0" after the data bits
    permutation = [zero] * (n * n)
    area = 0
    for index, (col, row) in enumerate(positions):
        module = row * n + col
        permutation[module] = index if index < data_bits else zero  # remainder bits are 0
        area |= 1 << (n * n - 1 - module)
    masks = []
    for mask in range(8):
        pattern = qrencoder.QRUtil.getMask(mask)
        bits = 0
        for col, row in positions:
            if pattern(row, col):
                bits |= 1 << (n * n - 1 - (row * n + col))
        masks.append(bits)
    no_right = int(("1" * (n - 1) + "0") * n, 2)
    no_bottom_right = no_right & ~((1 << n) - 1)
    run_h = int(("1" * (n - 4) + "0000") * n, 2)
    run_v = int("1" * (n * (n - 4)) + "0" * (4 * n), 2)
    finder_h = int(("1" * (n - 10) + "0" * 10) * n, 2)
    finder_v = int("1" * (n * (n - 10)) + "0" * (10 * n), 2)
    return _Layout(
        n,
        blocks,
        tuple(permutation),
        data_bits,
        tuple(function),
        area,
        tuple(masks),
        no_bottom_right,
        run_h,
        run_v,
        finder_h,
        finder_v,
    )


# ---- encoding ------------------------------------------------------------------------------


def _codewords(layout: _Layout, eci: int, payload: bytes) -> list[int]:
    capacity = sum(data for _, data in layout.blocks)
    # ECI mode 0111 + 8-bit designator, byte mode 0100 + 16-bit count (versions 10–40).
    count_bits = 16 if layout.n >= 10 * 4 + 17 else 8
    bits = f"0111{eci:08b}0100{len(payload):0{count_bits}b}" + "".join(f"{b:08b}" for b in payload)
    if len(bits) > capacity * 8:
        raise ValueError(f"{len(payload)} bytes do not fit in the symbol")
    if len(bits) + 4 <= capacity * 8:
        bits += "0000"
    bits += "0" * (-len(bits) % 8)
    data = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    data += [_PAD[i % 2] for i in range(capacity - len(data))]
    ec_count = layout.blocks[0][0] - layout.blocks[0][1]
    table = _ecc_table(ec_count, max(d for _, d in layout.blocks))
    data_blocks, ecc_blocks, at = [], [], 0
    for total, length in layout.blocks:
        block = data[at : at + length]
        at += length
        ecc = 0
        for i, value in enumerate(block):
            ecc ^= table[length - 1 - i][value]
        data_blocks.append(block)
        ecc_blocks.append(list(ecc.to_bytes(total - length, "big")))
    out = []
    for group in (data_blocks, ecc_blocks):
        for i in range(max(len(b) for b in group)):
            out += [b[i] for b in group if i < len(b)]
    return out


def _runs(same: int, step: int, starts: int) -> int:
    """N1 along one direction: a run of L ≥ 5 equal modules costs L − 2, that is one per
    window of five (L − 4) plus two per run. `same`: a module equals its next one."""
    window = same & (same << step) & (same << 2 * step) & (same << 3 * step) & starts
    first = window & ~(window >> step)
    return window.bit_count() + 2 * first.bit_count()


def _penalty(layout: _Layout, symbol: int) -> int:
    n, full = layout.n, (1 << (layout.n * layout.n)) - 1
    score = _runs(~(symbol ^ (symbol << 1)) & full, 1, layout.run_h)  # N1, rows
    score += _runs(~(symbol ^ (symbol << n)) & full, n, layout.run_v)  # N1, columns
    inverse = ~symbol & full
    for step, starts in ((1, layout.finder_h), (n, layout.finder_v)):  # N3
        for pattern in _FINDER_LIKE:
            match = starts
            for k, ch in enumerate(pattern):
                match &= (symbol if ch == "1" else inverse) << (k * step)
            score += 40 * match.bit_count()
    dark = symbol & (symbol << 1) & (symbol << n) & (symbol << (n + 1))
    light = ~symbol & ~(symbol << 1) & ~(symbol << n) & ~(symbol << (n + 1))
    # a 2×2 block counted at its top-left module, which needs a right and a lower neighbour
    score += 3 * ((dark | light) & layout.no_bottom_right).bit_count()  # N2
    share = symbol.bit_count() * 100 / (n * n)
    score += 10 * int(abs(share - 50) // 5)  # N4
    return score


def qr_rows(
    payload: bytes, version: int, level: str, eci: int, mask: int | None = None
) -> tuple[str, ...]:
    """The symbol as rows of "0"/"1" (1 = dark), without the quiet zone: the mask with the
    lowest penalty, or the given one."""
    layout = _layout(version, level)
    bits = "".join(f"{c:08b}" for c in _codewords(layout, eci, payload))
    source = bits.ljust(layout.data_bits, "0") + "0"
    placed = int("".join(itemgetter(*layout.permutation)(source)), 2)
    candidates = range(8) if mask is None else (mask,)
    best, best_score = 0, None
    for m in candidates:
        symbol = layout.function[m] | (placed ^ layout.masks[m])
        score = _penalty(layout, symbol) if mask is None else 0
        if best_score is None or score < best_score:
            best, best_score = symbol, score
    n = layout.n
    text = format(best, f"0{n * n}b")
    return tuple(text[r * n : (r + 1) * n] for r in range(n))


def qr_matrix(
    payload: bytes, version: int, level: str, eci: int, mask: int | None = None
) -> tuple[tuple[bool, ...], ...]:
    """The same as booleans (True = dark)."""
    return tuple(
        tuple(ch == "1" for ch in row) for row in qr_rows(payload, version, level, eci, mask)
    )
