"""File input/output: LDR photos, HDR radiance maps, stacks, atomic writes."""
