"""``invcam bench``: our fit against the classical baselines, on synthetic and real data.

- :mod:`invcam.bench.options`: what to run (:class:`BenchOptions`, the method names);
- :mod:`invcam.bench.scenes`: the synthetic inputs, one scene in every layout needed;
- :mod:`invcam.bench.synthetic`: scenes x methods, scored like ``invcam eval``;
- :mod:`invcam.bench.real`: held-out exposure prediction on a real bracket;
- :mod:`invcam.bench.report`, :mod:`invcam.bench.compare`: ``table.md`` and pictures;
- :mod:`invcam.bench.run`: the two entry points, writing ``DIR/``.

This package file imports nothing, so the CLI starts fast.
"""
