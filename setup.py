"""Build hook for the one optional C extension; all metadata lives in pyproject.toml.

``embedlab.scoring._rank_kernel`` (src/embedlab/scoring/_rank_kernel.c) fuses the element-wise
work of exact retrieval ranking. It is ``optional``: without a C compiler the install still
succeeds and embedlab uses its numpy path (same ranks, slower scoring).
"""

import os

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "embedlab.scoring._rank_kernel",
            ["src/embedlab/scoring/_rank_kernel.c"],
            extra_compile_args=[] if os.name == "nt" else ["-O3"],
            optional=True,
        )
    ]
)
