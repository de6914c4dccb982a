"""A small numpy z-buffer renderer for the turntable video that stands in for the bulldog data.

The paper's rotating-bulldog video (200 colour frames, 100 x 80 x 3, a figurine on a turntable
in front of a fixed background) is not available. :func:`render_turntable` makes a video with
the same structure from any triangle mesh (the Stanford bunny in
:func:`vdae.datasets.load_bulldog_standin`): the mesh turns about its vertical axis in front of
a fixed, non-uniform background (a wall gradient, a floor and a turntable disc), seen by a
perspective camera slightly from above, with Lambertian (Gouraud-normal) shading under a fixed
light.

The rasteriser is vectorised over triangles: every triangle's pixel bounding box is expanded
into candidate pixel centres with ``np.repeat``, perspective-correct barycentric coordinates
decide coverage and depth, and a lexicographic sort keeps the nearest fragment of each pixel
(the z-buffer). Pixels are supersampled (``supersample**2`` samples each) and averaged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_int, check_real

__all__ = ["turntable_background", "vertex_normals", "rasterize", "render_turntable",
           "render_turntable_with_masks"]

_LIGHT = np.array([-0.45, 0.75, 0.50])  # world-space direction towards the light (camera at +z)
_AMBIENT, _DIFFUSE = 0.28, 0.78
_LIGHT_ALBEDO = np.array([0.86, 0.66, 0.44])  # tan
_DARK_ALBEDO = np.array([0.42, 0.27, 0.17])  # brown "patch"


def turntable_background(height: int = 100, width: int = 80) -> np.ndarray:
    """The fixed background of the turntable video: wall, floor and turntable disc.

    The wall is a vertical blue-grey gradient with a soft horizontal vignette; the floor (below
    62 % of the height) a warm gradient; the turntable a darker elliptical disc centred under
    the object, with a soft shadow.

    Parameters
    ----------
    height, width : int
        Image size in pixels.

    Returns
    -------
    ndarray of shape (height, width, 3), float32, values in [0, 1]
    """
    r = (np.arange(height) + 0.5)[:, None] / height  # 0 top .. 1 bottom
    c = (np.arange(width) + 0.5)[None, :] / width
    vignette = 1.0 - 0.18 * (2.0 * c - 1.0) ** 2
    wall = (np.array([0.55, 0.62, 0.72]) + 0.25 * (1.0 - r)[..., None]) * vignette[..., None]
    horizon = 0.62
    floor_t = np.clip((r - horizon) / (1.0 - horizon), 0.0, 1.0)[..., None]
    floor = (np.array([0.50, 0.42, 0.33]) - 0.18 * floor_t) * (0.85 + 0.15 * vignette[..., None])
    img = np.where((r >= horizon)[..., None], floor, wall)
    img = np.broadcast_to(img, (height, width, 3)).copy()
    # turntable disc and a soft contact shadow, centred under the object
    ex = (c - 0.5) / 0.42
    ey = (r - 0.80) / 0.075
    disc = np.clip((1.0 - np.hypot(ex, ey)) * 12.0, 0.0, 1.0)[..., None]
    img = img * (1.0 - disc) + np.array([0.23, 0.22, 0.24]) * disc
    shadow = np.exp(-(((c - 0.5) / 0.25) ** 2) - ((r - 0.79) / 0.035) ** 2)[..., None]
    img *= 1.0 - 0.45 * shadow
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals of a triangle mesh.

    Parameters
    ----------
    vertices : ndarray of shape (n_vertices, 3)
    faces : ndarray of shape (n_faces, 3), int

    Returns
    -------
    ndarray of shape (n_vertices, 3), float64
        Unit normals (zero for vertices used by no face), oriented like the faces' winding.
    """
    V = np.asarray(vertices, dtype=np.float64)
    F = np.asarray(faces)
    fn = np.cross(V[F[:, 1]] - V[F[:, 0]], V[F[:, 2]] - V[F[:, 0]])  # length = 2 * area
    N = np.zeros_like(V)
    for k in range(3):
        np.add.at(N, F[:, k], fn)
    norm = np.linalg.norm(N, axis=1, keepdims=True)
    return np.divide(N, norm, out=np.zeros_like(N), where=norm > 0)


def rasterize(
    px: np.ndarray,
    py: np.ndarray,
    inv_depth: np.ndarray,
    faces: np.ndarray,
    height: int,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-buffer rasterisation of projected triangles at pixel centres.

    Parameters
    ----------
    px, py : ndarray of shape (n_vertices,)
        Projected vertex positions in pixels: column and row, pixel ``(i, j)`` covering
        ``[j, j + 1) x [i, i + 1)`` (its centre is ``(j + 0.5, i + 0.5)``).
    inv_depth : ndarray of shape (n_vertices,)
        1 / camera depth of each vertex (> 0); larger is nearer.
    faces : ndarray of shape (n_faces, 3), int
    height, width : int
        Image size.

    Returns
    -------
    pixel : ndarray of shape (k,), int64
        Flat index ``row * width + col`` of every covered pixel.
    face : ndarray of shape (k,), int64
        The visible (nearest) face at that pixel.
    bary : ndarray of shape (k, 3), float32 or float64 (the dtype of the inputs)
        Perspective-correct barycentric coordinates of the pixel centre in that face.
    """
    F = np.asarray(faces, dtype=np.int64)
    px, py, iw = (np.asarray(a, dtype=np.result_type(a, np.float32)) for a in (px, py, inv_depth))
    # Most triangles are smaller than a pixel: drop those whose bounding box holds no pixel
    # centre, first along x, then along y, before any further per-triangle work. Column-wise
    # minima/maxima are much faster than .min(axis=1) on (n, 3) arrays.
    x0, x1, x2 = px[F[:, 0]], px[F[:, 1]], px[F[:, 2]]
    cmin = np.maximum(np.ceil(np.minimum(np.minimum(x0, x1), x2) - 0.5), 0)
    cmax = np.minimum(np.floor(np.maximum(np.maximum(x0, x1), x2) - 0.5), width - 1)
    ok = np.flatnonzero(cmax >= cmin)
    F, x0, x1, x2, cmin, cmax = F[ok], x0[ok], x1[ok], x2[ok], cmin[ok], cmax[ok]
    y0, y1, y2 = py[F[:, 0]], py[F[:, 1]], py[F[:, 2]]
    rmin = np.maximum(np.ceil(np.minimum(np.minimum(y0, y1), y2) - 0.5), 0)
    rmax = np.minimum(np.floor(np.maximum(np.maximum(y0, y1), y2) - 0.5), height - 1)
    area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    front = (iw[F[:, 0]] > 0) & (iw[F[:, 1]] > 0) & (iw[F[:, 2]] > 0)
    keep = np.flatnonzero((rmax >= rmin) & (np.abs(area) > 1e-12) & front)
    face_id = ok[keep]
    F, x0, x1, x2, y0, y1, y2, area = (a[keep] for a in (F, x0, x1, x2, y0, y1, y2, area))
    cmin, cmax = cmin[keep].astype(np.int64), cmax[keep].astype(np.int64)
    rmin, rmax = rmin[keep].astype(np.int64), rmax[keep].astype(np.int64)
    # one candidate per (triangle, pixel centre in its bounding box)
    bw, bh = cmax - cmin + 1, rmax - rmin + 1
    count = bw * bh
    fid = np.repeat(np.arange(keep.size), count)
    local = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    bw_t = bw[fid]
    col = cmin[fid] + local % bw_t
    row = rmin[fid] + local // bw_t
    qx, qy = col + 0.5, row + 0.5
    X0, X1, X2, Y0, Y1, Y2, A = (a[fid] for a in (x0, x1, x2, y0, y1, y2, area))
    l0 = ((X1 - qx) * (Y2 - qy) - (X2 - qx) * (Y1 - qy)) / A
    l1 = ((X2 - qx) * (Y0 - qy) - (X0 - qx) * (Y2 - qy)) / A
    l2 = 1.0 - l0 - l1
    inside = (l0 >= -1e-9) & (l1 >= -1e-9) & (l2 >= -1e-9)
    fid = fid[inside]
    pix = (row * width + col)[inside]
    tri_idx = F[fid]  # F holds the surviving faces only
    persp = np.stack([l0[inside], l1[inside], l2[inside]], axis=1) * iw[tri_idx]
    inv = persp[:, 0] + persp[:, 1] + persp[:, 2]  # 1/z is affine in screen space
    # z-buffer by one float sort: by pixel, then nearest first (the fraction lies in [0, 1))
    frac = 1.0 - inv.astype(np.float64) / (2.0 * float(inv.max())) if inv.size else inv
    order = np.argsort(pix + frac)
    pix_sorted = pix[order]
    first = order[np.r_[True, pix_sorted[1:] != pix_sorted[:-1]]] if pix.size else order
    return pix[first], face_id[fid[first]], persp[first] / inv[first, None]


def _interp(bary: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Barycentric interpolation of per-corner attributes (k, d) with weights (k, 3)."""
    return bary[:, 0:1] * a + bary[:, 1:2] * b + bary[:, 2:3] * c


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def render_turntable(
    vertices: Any,
    faces: Any,
    angles: Any,
    *,
    height: int = 100,
    width: int = 80,
    elevation: float = 12.0,
    supersample: int = 2,
) -> np.ndarray:
    """Render a mesh turning on a turntable, one frame per angle.

    The frames of :func:`render_turntable_with_masks` (same parameters, same pixels).

    Parameters
    ----------
    vertices : array-like of shape (n_vertices, 3)
        Mesh vertices (x, y, z) with y up, any units.
    faces : array-like of shape (n_faces, 3), int
        Triangles.
    angles : array-like of shape (n_frames,)
        Turntable angles in radians (positive = counter-clockwise seen from above).
    height : int, default=100
        Frame height in pixels.
    width : int, default=80
        Frame width in pixels.
    elevation : float, default=12.0
        Camera elevation in degrees.
    supersample : int, default=2
        Samples per pixel along each axis (anti-aliasing); 1 disables it.

    Returns
    -------
    ndarray of shape (n_frames, height, width, 3), float32
        RGB frames with values in [0, 1].

    Examples
    --------
    A tetrahedron seen from four angles:

    >>> import numpy as np
    >>> from vdae.datasets import render_turntable
    >>> vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float)
    >>> faces = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]])
    >>> frames = render_turntable(vertices, faces, np.linspace(0, np.pi, 4), height=20, width=16)
    >>> frames.shape, bool(0 <= frames.min() and frames.max() <= 1)
    ((4, 20, 16, 3), True)
    """
    return render_turntable_with_masks(vertices, faces, angles, height=height, width=width,
                                       elevation=elevation, supersample=supersample)[0]


def render_turntable_with_masks(
    vertices: Any,
    faces: Any,
    angles: Any,
    *,
    height: int = 100,
    width: int = 80,
    elevation: float = 12.0,
    supersample: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Render a mesh turning on a turntable, one frame per angle, with the object's coverage.

    The mesh is centred on its vertical (y) axis through the centre of its x-z bounding box,
    stands on the turntable at its lowest point, and is scaled so that every turn fits the
    frame. The camera (perspective, distance 5 object heights, ``elevation`` degrees above the
    horizontal) and the light are fixed; only the object turns. Colours: a tan figurine with a
    darker brown back, ambient + Lambertian shading (two-sided), over
    :func:`turntable_background`.

    Parameters
    ----------
    vertices : array-like of shape (n_vertices, 3)
        Mesh vertices (x, y, z) with y up, any units.
    faces : array-like of shape (n_faces, 3), int
        Triangles.
    angles : array-like of shape (n_frames,)
        Turntable angles in radians (positive = counter-clockwise seen from above).
    height, width : int, default=100, 80
        Frame size in pixels.
    elevation : float, default=12.0
        Camera elevation in degrees.
    supersample : int, default=2
        Samples per pixel along each axis (anti-aliasing); 1 disables it.

    Returns
    -------
    frames : ndarray of shape (n_frames, height, width, 3), float32 in [0, 1]
    masks : ndarray of shape (n_frames, height, width), float32 in [0, 1]
        The fraction of each pixel covered by the object.
    """
    V = np.asarray(vertices, dtype=np.float64)
    F = np.asarray(faces, dtype=np.int64)
    angles = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    if V.ndim != 2 or V.shape[1] != 3 or F.ndim != 2 or F.shape[1] != 3:
        raise ValueError(f"vertices must be (n, 3) and faces (m, 3); got {V.shape}, {F.shape}")
    height, width = check_int(height, "height"), check_int(width, "width")
    s = check_int(supersample, "supersample")
    elevation = check_real(elevation, "elevation")
    if not -80.0 <= elevation <= 80.0:
        raise ValueError(f"elevation must lie in [-80, 80] degrees, got {elevation!r}")
    H, W = height * s, width * s
    # object frame: axis through the x-z bounding-box centre, base at y = 0, unit height
    lo, hi = V.min(0), V.max(0)
    P = (V - np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2])) / (hi[1] - lo[1])
    N = vertex_normals(P, F)
    t = (P[:, 0] - P[:, 0].min()) / np.ptp(P[:, 0])  # 0 at the object's -x end
    albedo = _LIGHT_ALBEDO + (_DARK_ALBEDO - _LIGHT_ALBEDO) * _smoothstep((t - 0.55) / 0.3)[:, None]
    radius = np.hypot(P[:, 0], P[:, 2]).max()
    e = np.deg2rad(elevation)
    dist, target = 5.0, np.array([0.0, 0.5, 0.0])
    cam = target + dist * np.array([0.0, np.sin(e), np.cos(e)])
    fwd, right, up = -np.array([0.0, np.sin(e), np.cos(e)]), np.array([1.0, 0, 0]), np.array(
        [0.0, np.cos(e), -np.sin(e)]
    )
    # pixels per unit at the target, so that the widest turn uses 85 % of the width
    # and the object's height 55 % of the frame height
    k = min(0.85 * W / (2.0 * radius * dist / (dist - radius)), 0.55 * H) * dist
    row0 = 0.50 * H  # the target (mid-height of the object) is drawn at mid-frame
    light = (_LIGHT / np.linalg.norm(_LIGHT)).astype(np.float32)
    P32, N32, albedo = P.astype(np.float32), N.astype(np.float32), albedo.astype(np.float32)
    # camera frame: rows (right, up, forward); a reflection (det -1), see the facing test below
    C = np.stack([right, up, fwd]).astype(np.float32)
    cam_c = (C @ cam).astype(np.float32)
    bg = turntable_background(height, width)
    frames = np.empty((angles.size, height, width, 3), dtype=np.float32)
    masks = np.empty((angles.size, height, width), dtype=np.float32)
    for i, a in enumerate(angles):
        ca, sa = np.cos(a), np.sin(a)
        rot = np.array([[ca, 0.0, sa], [0.0, 1.0, 0.0], [-sa, 0.0, ca]], dtype=np.float32)
        Pc = P32 @ (C @ rot).T - cam_c  # camera coordinates (right, up, depth), float32
        depth = Pc[:, 2]
        px = W / 2.0 + k * Pc[:, 0] / depth
        py = row0 - k * Pc[:, 1] / depth
        pix, fid, bary = rasterize(px, py, 1.0 / depth, F, H, W)
        tri = F[fid]
        c0, c1, c2 = Pc[tri[:, 0]], Pc[tri[:, 1]], Pc[tri[:, 2]]  # triangle corners
        pos = _interp(bary, c0, c1, c2)
        geo = np.cross(c1 - c0, c2 - c0)
        # the winding normal faces the camera iff geo_world . (cam - pos_world) > 0, which in
        # the (det -1) camera frame reads geo . pos > 0; flip the others (two-sided lighting)
        facing = np.sign(np.einsum("kd,kd->k", geo, pos))
        n = _interp(bary, N32[tri[:, 0]], N32[tri[:, 1]], N32[tri[:, 2]]) @ rot.T  # world space
        n *= np.where(facing == 0, 1.0, facing)[:, None]
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        shade = _AMBIENT + _DIFFUSE * np.clip(n @ light, 0.0, None)
        alb = _interp(bary, albedo[tri[:, 0]], albedo[tri[:, 1]], albedo[tri[:, 2]])
        colour = alb * shade[:, None]
        hi_img = np.zeros((H * W, 3), dtype=np.float32)
        hit = np.zeros(H * W, dtype=np.float32)
        hi_img[pix], hit[pix] = colour, 1.0
        # box-filter the supersamples (strided sums: faster than a 5-D reduction)
        hi_img, hit = hi_img.reshape(H, W, 3), hit.reshape(H, W)
        obj = sum(hi_img[di::s, dj::s] for di in range(s) for dj in range(s)) / (s * s)
        cov = sum(hit[di::s, dj::s] for di in range(s) for dj in range(s)) / (s * s)
        frames[i] = np.clip(obj + bg * (1.0 - cov)[..., None], 0.0, 1.0)
        masks[i] = cov
    return frames, masks
