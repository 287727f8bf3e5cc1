"""Scan orchestration: artifact -> inventory -> checks -> policy.

Modules import downwards only, in this order (each may import those above it):

- ``shard``: ``--shard K/N``;
- ``options``: ``ScanOptions`` and ``ScanTarget``, plain values built by the CLI;
- ``checks``: which checks a scan runs (``build_checks``), and closing their sources;
- ``sbom``: which checks apply when the artifact is an SBOM;
- ``target``: one artifact opened, inventoried and checked (``scan_target``);
- ``workers``: many artifacts in worker processes;
- ``remote``: ``lambda:``/``layer:`` arguments turned into downloaded targets;
- ``run``: the whole scan and its verdict (``scan_run``).

Callers import from the module that holds a name (``wellcheck.scan.run.scan_run``);
this file imports nothing, so that ``wellcheck.scan.options`` stays cheap to import.
"""
