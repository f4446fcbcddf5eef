"""The model zoo shipped with surrogate: ONNX nets and ``manifest.json``.

Installed as the package ``surrogate.models`` (see ``[tool.setuptools]`` in
``pyproject.toml``); :data:`surrogate.nets.zoo.DEFAULT_ZOO` locates it with
:mod:`importlib.resources`.
"""
