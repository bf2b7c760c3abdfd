"""Entry point (`-p harness.plugin` in pyproject.toml): registers one module per concern."""

pytest_plugins = [
    "harness.collect",  # snippets and notebook pages become test items
    "harness.integrity",  # no test code under snippets/ or docs/; project files unchanged by a run
    "harness.fences",  # python fences that no collector would run fail the suite
    "harness.requirements",  # CUDA or torch-range snippets skip with a reason; --require-cuda
    "harness.results",  # the machine-readable results file
    "harness.copyable",  # every block a reader can copy runs alone, as copied
    "harness.outputs",  # `#> ` output comments match what the snippet printed; --update-outputs
    "harness.reuse",  # what passed with the same fingerprint (files, packages, browser) is not run again
    "harness.mutants",  # counter-cases: every claim's asserts shown able to fail (mutants, declared edits)
]
