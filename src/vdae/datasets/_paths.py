"""Where the real data sets live on disk.

The folder is, in order of preference:

1. the environment variable ``VDAE_DATA`` when it is set and non-empty;
2. ``<repository root>/../shared/data``, the repository root being found from this file's
   location (``<root>/src/vdae/datasets/_paths.py``);
3. ``./../shared/data`` relative to the current working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_ENV_VAR", "data_dir", "data_file"]

#: Name of the environment variable that points at the data folder.
DATA_ENV_VAR = "VDAE_DATA"


def _candidates() -> list[Path]:
    repo_root = Path(__file__).resolve().parents[3]
    return [repo_root.parent / "shared" / "data", Path.cwd() / ".." / "shared" / "data"]


def data_dir() -> Path:
    """Return the folder that holds the real data sets.

    Returns
    -------
    pathlib.Path
        ``$VDAE_DATA`` if that variable is set (whether or not the folder exists); otherwise the
        first existing folder among ``<repository root>/../shared/data`` and
        ``./../shared/data`` (relative to the working directory); if neither exists, the first
        of them (so that error messages name a concrete place).

    Examples
    --------
    >>> import os
    >>> from vdae.datasets import data_dir
    >>> saved = os.environ.get("VDAE_DATA")
    >>> os.environ["VDAE_DATA"] = "/tmp/my-data"
    >>> str(data_dir())
    '/tmp/my-data'
    >>> _ = os.environ.pop("VDAE_DATA") if saved is None else os.environ.update(VDAE_DATA=saved)
    """
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    candidates = _candidates()
    for folder in candidates:
        if folder.is_dir():
            return folder.resolve()
    return candidates[0]


def data_file(*parts: str) -> Path:
    """Path of a file inside :func:`data_dir`, checked to exist.

    Parameters
    ----------
    *parts : str
        Path components relative to the data folder, e.g. ``("frey", "frey_rawface.mat")``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If the file does not exist; the message names the file, the folder searched and how to
        point ``VDAE_DATA`` at the data.
    """
    folder = data_dir()
    path = folder.joinpath(*parts)
    if not path.exists():
        rel = "/".join(parts)
        from_env = bool(os.environ.get(DATA_ENV_VAR, "").strip())
        source = f"from ${DATA_ENV_VAR}" if from_env else "default location"
        raise FileNotFoundError(
            f"Data file {rel!r} was not found in the data folder {str(folder)!r} ({source}). "
            f"Set the environment variable {DATA_ENV_VAR} to the folder that holds the data sets, "
            f"e.g. `export {DATA_ENV_VAR}=/path/to/shared/data` (it must contain {rel!r})."
        )
    return path
