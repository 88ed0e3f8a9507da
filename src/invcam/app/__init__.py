"""The application layer: what ``invcam fit``, ``invcam bench`` and the benchmark scripts
share around the method (plan, fit, write outputs)."""
