"""What a reader copies runs alone and prints what the page shows; engine markers stay hidden.

In-process and small: each case is a tiny page and snippet in a temporary folder, checked by the
same functions the suite's copy-and-run items and the browser test use.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness import copyable, outputs, requirements, sandbox
from harness.reader_code import rewrite, strip_markers

MKDOCS = "site_name: Demo\nmarkdown_extensions:\n  - pymdownx.snippets:\n      dedent_subsections: true\n"

SPLIT = '''"""Two sections; the second needs the first.

Claims:
    demo.split: An op on a tensor that requires grad records a `grad_fn`.
"""

# --8<-- [start:setup]
import torch

w = torch.ones(3, requires_grad=True)
# --8<-- [end:setup]

# --8<-- [start:use]
# claim: demo.split
y = w * 2
assert y.grad_fn is not None
# --8<-- [end:use]
'''

PAGE = """# Demo

```{.python notest}
--8<-- "snippets/demo/split.py:setup"
```

=== "Use it"

    ```{.python notest}
    --8<-- "snippets/demo/split.py:use"
    ```

```text
not code: no copy button, not run
```
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"mkdocs.yml": MKDOCS, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_block_that_needs_a_name_from_another_block_fails_naming_page_and_block(tmp_path):
    root = project(tmp_path, {"snippets/demo/split.py": SPLIT, "docs/demo.md": PAGE})
    blocks = copyable.blocks(root / "docs" / "demo.md", root)
    assert [b.number for b in blocks] == [1, 2]  # the text block gets no copy button
    assert blocks[1].text == "y = w * 2\nassert y.grad_fn is not None\n"  # dedented, no markers
    failures, skipped, ran = copyable.check_page(root / "docs" / "demo.md", root)
    assert (ran, skipped, len(failures)) == (2, [], 1)
    assert failures[0].startswith(
        "docs/demo.md, block 2 (line 9: `y = w * 2`): failed at line 1 of the block: NameError: name 'w' is not defined"
    ), failures[0]


def test_a_package_beyond_torch_is_named_on_the_first_line():
    _, found = copyable.declared_packages("import torch\nfrom torchmetrics import Accuracy\nassert Accuracy\n")
    assert found == [
        "imports torchmetrics, which torch does not bring: start the block with `# Requires: pip install torchmetrics`"
    ]
    declared, found = copyable.declared_packages("# Requires: pip install torchmetrics\nimport torchmetrics\n")
    assert (declared, found) == (["torchmetrics"], [])
    _, found = copyable.declared_packages("import torch\n\nassert torch.ones(2).numpy().shape == (2,)\n")
    assert found == [
        "uses numpy, which torch does not bring: start the block with `# Requires: pip install numpy`"
    ]  # Tensor.numpy() needs numpy installed
    _, found = copyable.declared_packages("import torch\n# Requires: pip install numpy\nimport numpy\n")
    assert found and "must be the block's first line" in found[0]


def test_cuda_block_is_skipped_with_the_reason(tmp_path):
    code = "import torch\nassert torch.ones(1, device='cuda').is_cuda\n"
    block = copyable.Block("docs/demo.md", 1, 3, "python", code)
    block.requires.add("cuda")
    result = copyable.run_block(block)
    if requirements.cuda_available():
        assert result.status == "passed", result.detail
    else:
        assert (result.status, result.detail.split(":")[0]) == ("skipped", "needs CUDA")


PRINTS = """import torch

w = torch.ones(2, requires_grad=True)
print(type((w * 2).grad_fn).__name__)
#> MulBackward0
for i in range(3):
    print(i)
    #> 0
    #> 2
x = 1
#> 1
assert x
"""


def test_outputs_are_compared_with_a_diff_and_rewritten(tmp_path):
    path = tmp_path / "prints.py"
    path.write_text(PRINTS, encoding="utf-8")
    outcome = sandbox.run(path, 30, tmp_path)
    assert outcome.status == "passed", outcome.message
    assert outcome.prints == [(4, "MulBackward0\n"), (7, "0\n1\n2\n")]
    found = outputs.problems(PRINTS, outcome.prints, "snippets/demo/prints.py")
    assert len(found) == 2
    assert found[0].splitlines() == [
        "snippets/demo/prints.py:7: the `#> ` lines under this statement differ from what it printed",
        "    | print(i)",
        "    @@ -1,2 +1,3 @@",
        "     #> 0",
        "    +#> 1",
        "     #> 2",
    ]
    assert found[1].startswith("snippets/demo/prints.py:11: `#> ` block with no print above it")
    fixed = outputs.rewrite(PRINTS, outcome.prints)
    assert "    #> 0\n    #> 1\n    #> 2\nx = 1" in fixed
    assert outputs.problems(fixed, sandbox.run(path, 30, tmp_path, source=fixed).prints, "p.py") == [
        "p.py:12: `#> ` block with no print above it: output lines go directly under the print that writes them"
    ]


def test_engine_markers_are_hidden_and_output_blocks_have_no_copy_button():
    code = "# claim: demo.a\nimport torch\n\n# claim: demo.b\nx = 1  # claim: demo.c\n# --8<-- [end:main]\n"
    assert strip_markers(code) == "import torch\n\nx = 1\n"
    page = ['=== "Tab"', "", "    ```{.python notest}", "    # claim: demo.a", "    assert True", "    ```", "```text"]
    assert rewrite([*page, "x", "```"]) == [*page[:3], "    assert True", "    ```", "```{.text .no-copy}", "x", "```"]


def test_built_site_shows_no_engine_marker_and_no_copy_button_on_output(built_site):
    from harness.fences import find_fences
    from harness.reader_code import OUTPUT

    code = re.compile(r"<code>(.*?)</code>", re.S)
    no_copy = 0
    for html_path in built_site.rglob("*.html"):
        if html_path.relative_to(built_site).parts[0] == "source":
            continue  # the snippet pages behind the proof links show each file as it is, markers included
        html = html_path.read_text(encoding="utf-8")
        shown = "".join(re.sub(r"<[^>]+>", "", c) for c in code.findall(html))
        assert not re.search(r"#\s*claim:|--8&lt;--", shown), html_path
        no_copy += html.count('<div class="no-copy highlight">')
    root = Path(__file__).resolve().parents[1]
    output_fences = [
        f for page in sorted((root / "docs").rglob("*.md")) for f in find_fences(page.read_text(encoding="utf-8"))
    ]
    assert no_copy == sum(f.language in OUTPUT for f in output_fences)


HELPER = '''"""A helper file that blocks of a page import.

Claims:
    demo.helper: `double` doubles.
"""


def double(x):
    return 2 * x


if __name__ == "__main__":
    assert double(2) == 4
'''

USES_HELPER = '''"""A block that imports the helper saved next to it.

Claims:
    demo.uses-helper: The helper doubles a tensor.
"""

# --8<-- [start:main]
# Requires: helper.py, saved next to this script
import torch
from helper import double

assert torch.equal(double(torch.ones(2)), torch.full((2,), 2.0))
# --8<-- [end:main]
'''

HELPER_PAGE = """# Demo

```{.python notest}
--8<-- "snippets/demo/uses_helper.py:main"
```
"""


def test_a_helper_file_named_on_the_first_line_is_saved_next_to_the_copied_block(tmp_path):
    root = project(
        tmp_path,
        {"snippets/demo/helper.py": HELPER, "snippets/demo/uses_helper.py": USES_HELPER, "docs/demo.md": HELPER_PAGE},
    )
    assert copyable.declared_packages(USES_HELPER.split("# --8<-- [start:main]\n")[1]) == ([], [])
    failures, skipped, ran = copyable.check_page(root / "docs" / "demo.md", root)
    assert (failures, skipped, ran) == ([], [], 1)
    # The snippet itself imports the helper from its own folder, as `python uses_helper.py` would.
    path = root / "snippets" / "demo" / "uses_helper.py"
    assert sandbox.run(path, 30, root).status == "passed"


def test_a_helper_file_that_is_missing_or_not_named_fails(tmp_path):
    root = project(tmp_path, {"snippets/demo/uses_helper.py": USES_HELPER, "docs/demo.md": HELPER_PAGE})
    failures, _, _ = copyable.check_page(root / "docs" / "demo.md", root)
    assert len(failures) == 1 and "names helper.py on its first line, but no folder" in failures[0], failures
    unnamed = USES_HELPER.replace("# Requires: helper.py, saved next to this script\n", "")
    _, found = copyable.declared_packages(unnamed)
    assert found == [
        "imports helper, which torch does not bring: start the block with `# Requires: pip install helper`"
    ]
