"""Parsers for the raw file formats of the real data sets: ASCII PLY meshes and IDX arrays.

Both read the format's header and check it, instead of trusting fixed offsets.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["PlyMesh", "read_ply", "read_idx"]

_PLY_SCALARS = {
    "char", "uchar", "short", "ushort", "int", "uint", "float", "double",
    "int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64",
}  # fmt: skip


@dataclass(frozen=True)
class PlyMesh:
    """A mesh read from a PLY file.

    Attributes
    ----------
    vertex_properties : dict of str to ndarray of shape (n_vertices,), float64
        Every scalar vertex property by name (e.g. ``x``, ``y``, ``z``, ``confidence``).
    faces : ndarray of shape (n_faces, 3), int64
        Triangle vertex indices (polygons are fan-triangulated); empty if the file has no faces.
    """

    vertex_properties: dict[str, np.ndarray]
    faces: np.ndarray

    @property
    def vertices(self) -> np.ndarray:
        """Vertex positions ``(x, y, z)``, shape (n_vertices, 3), float64."""
        return np.column_stack([self.vertex_properties[k] for k in ("x", "y", "z")])


def _parse_ply_header(lines: list[str], path: Path) -> list[dict]:
    if not lines or lines[0].strip() != "ply":
        raise ValueError(f"{path} is not a PLY file (first line is not 'ply')")
    elements: list[dict] = []
    for line in lines[1:]:
        tok = line.split()
        if not tok or tok[0] in ("comment", "obj_info"):
            continue
        if tok[0] == "format":
            if tok[1:2] != ["ascii"]:
                raise ValueError(
                    f"{path}: only ASCII PLY files are supported, got format {tok[1:]}"
                )
        elif tok[0] == "element":
            elements.append({"name": tok[1], "count": int(tok[2]), "props": [], "list": None})
        elif tok[0] == "property":
            if not elements:
                raise ValueError(f"{path}: 'property' before any 'element' in the header")
            if tok[1] == "list":
                elements[-1]["list"] = tok[4]
            elif tok[1] in _PLY_SCALARS:
                elements[-1]["props"].append(tok[2])
            else:
                raise ValueError(f"{path}: unknown PLY property type {tok[1]!r}")
    return elements


def _parse_faces(block: list[str], path: Path) -> np.ndarray:
    counts = np.array([len(line.split()) for line in block]) - 1
    if counts.size and np.all(counts == counts[0]):
        table = np.array(" ".join(block).split(), dtype=np.int64).reshape(len(block), -1)
        if np.any(table[:, 0] != counts[0]):
            raise ValueError(f"{path}: face vertex counts do not match the number of indices")
        polys = [table[:, 1:]]
    else:  # mixed polygon sizes: one row at a time
        polys = [np.array(line.split()[1:], dtype=np.int64)[None, :] for line in block]
    tris = []
    for poly in polys:
        if poly.shape[1] < 3:
            raise ValueError(f"{path}: a face has fewer than 3 vertices")
        for k in range(1, poly.shape[1] - 1):  # fan triangulation
            tris.append(np.c_[poly[:, 0], poly[:, k], poly[:, k + 1]])
    return np.concatenate(tris, axis=0) if tris else np.zeros((0, 3), dtype=np.int64)


def read_ply(path: str | Path) -> PlyMesh:
    """Read an ASCII PLY mesh: its scalar vertex properties and its faces as triangles.

    Parameters
    ----------
    path : str or Path
        The ``.ply`` file.

    Returns
    -------
    PlyMesh

    Raises
    ------
    ValueError
        If the header is malformed, the format is binary, or the body does not match the
        element counts of the header.
    """
    path = Path(path)
    text = path.read_text(encoding="latin-1")
    head, sep, body = text.partition("end_header")
    if not sep:
        raise ValueError(f"{path}: PLY header has no 'end_header' line")
    elements = _parse_ply_header(head.splitlines(), path)
    lines = [ln for ln in body.splitlines()[1:] if ln.strip()]
    props: dict[str, np.ndarray] = {}
    faces = np.zeros((0, 3), dtype=np.int64)
    pos = 0
    for el in elements:
        block = lines[pos : pos + el["count"]]
        if len(block) != el["count"]:
            raise ValueError(
                f"{path}: element {el['name']!r} declares {el['count']} rows, found {len(block)}"
            )
        pos += el["count"]
        if el["name"] == "vertex":
            values = np.array(" ".join(block).split(), dtype=np.float64)
            n_props = len(el["props"])
            if values.size != el["count"] * n_props:
                raise ValueError(f"{path}: vertex rows do not have {n_props} values each")
            table = values.reshape(el["count"], n_props)
            props = {name: table[:, j] for j, name in enumerate(el["props"])}
        elif el["name"] == "face" and el["list"] is not None:
            faces = _parse_faces(block, path)
    if not {"x", "y", "z"} <= set(props):
        raise ValueError(f"{path}: the vertex element lacks x, y, z properties")
    n_vertices = len(props["x"])
    if faces.size and (faces.min() < 0 or faces.max() >= n_vertices):
        raise ValueError(f"{path}: face indices out of range 0..{n_vertices - 1}")
    return PlyMesh(vertex_properties=props, faces=faces)


_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX array (the MNIST file format), gzip-compressed or not.

    The header is two zero bytes, a type code, the number of dimensions ``k``, then ``k``
    big-endian uint32 sizes; the data follow in C order.

    Parameters
    ----------
    path : str or Path
        The ``.idx`` or ``.gz`` file.
    expected_magic : int or None
        If given, the 32-bit magic number the file must carry (``0x803`` for MNIST images,
        ``0x801`` for labels).

    Returns
    -------
    ndarray
        Of the stored shape, in native byte order.

    Raises
    ------
    ValueError
        If the magic number is wrong or the data size does not match the header.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short to be an IDX file")
    magic = int.from_bytes(raw[:4], "big")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: bad IDX magic number 0x{magic:08x}")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"{path}: IDX magic number is 0x{magic:08x}, expected 0x{expected_magic:08x}"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[raw[2]]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header announces shape {shape} ({expected} bytes) but {len(raw) - header} "
            "data bytes follow"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)
