"""The notebooks as files: listed in the table of contents, committed clean, runnable with the course's kernel.

Executing them is nbval's job (`pytest --nbval-lax notebooks`); this file checks what a reader of the repository and
the book build rely on without running anything.
"""

import io
import json
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from book_cache import toc_pages

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def toc_files():
    """Every page listed in _toc.yml, in reading order (the root, then parts -> chapters -> sections)."""
    return toc_pages(ROOT)


def _id(path):
    return path.name


def test_there_are_notebooks_and_a_toc():
    assert len(NOTEBOOKS) >= 10
    assert len(toc_files()) >= len(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_in_the_toc(path):
    listed = {str(Path(f).with_suffix("")) for f in toc_files()}
    assert f"notebooks/{path.stem}" in listed, f"{path.name} is not listed in _toc.yml"


def test_every_toc_entry_exists():
    missing = []
    for f in toc_files():
        p = ROOT / f
        if not (p.suffix and p.exists()) and not any(p.with_suffix(s).exists() for s in (".md", ".ipynb", ".rst")):
            missing.append(f)
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_no_file_is_listed_twice():
    files = [str(Path(f).with_suffix("")) for f in toc_files()]
    assert len(files) == len(set(files))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_kernel_and_format(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_opens_with_its_title(path):
    """After the Colab set-up cell (hidden in the book, see test_colab.py), the first cell is markdown starting with
    the chapter's only H1, which the book uses as the page title."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[1] if nb.cells[0].get("id") == "colab-setup" else nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    h1 = [line for cell in nb.cells if cell.cell_type == "markdown" for line in _prose_lines(cell.source)
          if line.startswith("# ")]
    assert len(h1) == 1, f"{path.name}: expected one H1 heading, got {h1}"


def _prose_lines(markdown):
    """The lines of a markdown cell outside fenced code blocks (a `# comment` in code is not a heading)."""
    fence = None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence) and stripped.strip(fence[0]) == "":
            fence = None
        elif fence is None:
            yield line


# ---------------------------------------------------------------------------------------------------------------
# The promise that every claim is checked: what CONTRIBUTING says, tested on the files.
# ---------------------------------------------------------------------------------------------------------------



def _asserting_names(source):
    """The names in a code cell's Python that assert: the ``assert`` statement, or a call such as
    ``np.testing.assert_allclose``. Comments and strings do not count. IPython lines (``%magic``, ``!cmd``) are
    skipped."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if tok.type == tokenize.NAME and (tok.string == "assert" or tok.string.startswith("assert_")):
                found.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        found = re.findall(r"\bassert\w*", source)         # unparsable: fall back on the text
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_every_cell_that_asserts_is_tagged_check(path):
    """CONTRIBUTING: every cell that contains ``assert`` (the statement or an ``assert_*`` call) is tagged
    ``check``, so that the book's claims and their checks can be found, hidden and counted."""
    nb = nbformat.read(path, as_version=4)
    untagged = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        names = _asserting_names(cell.source)
        if names and "check" not in cell.metadata.get("tags", []):
            untagged.append(f"cell {i} (id {cell.get('id')}): {', '.join(sorted(set(names)))}")
    assert not untagged, f"{path.name}: cells that assert but are not tagged 'check':\n" + "\n".join(untagged)


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_CODE_LANGS = {"python", "python3", "py", "ipython", "ipython3", "{code-cell}", "{code}", "{code-block}",
               "{ipython}", "{ipython3}"}


def _code_fences_in_solutions(markdown, gated):
    """The code fences of one markdown cell that sit inside a solution: inside a ``{solution}`` directive's fence,
    or anywhere in the cell when ``gated`` (the cell lies between ``{solution-start}`` and ``{solution-end}``).
    Fences nest as in MyST: a directive's content is markdown, a code block's content is literal."""
    stack, found = [], []                      # stack of (fence chars, info word)
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if not m:
            continue
        fence, info = m.group(1), m.group(2)
        word = info.split()[0].lower() if info else ""
        if stack and not info and fence[0] == stack[-1][0][0] and len(fence) >= len(stack[-1][0]):
            stack.pop()                        # a closing fence
            continue
        if stack and not stack[-1][1].startswith("{"):
            continue                           # inside a code block: literal text
        if word in _CODE_LANGS and (gated or any(w == "{solution}" for _, w in stack)):
            found.append(word)
        stack.append((fence, word))
    return found


def _unexecuted_code_in_solutions(nb):
    """Places where a solution holds Python that never runs: a code fence inside a ``{solution}`` directive, or a
    code fence in a markdown cell between ``{solution-start}`` and ``{solution-end}``."""
    problems, inside_gated = [], False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        starts = bool(re.search(r"\{solution-start\}", text))
        ends = bool(re.search(r"\{solution-end\}", text))
        code = _code_fences_in_solutions(text, gated=inside_gated or starts)
        if code:
            problems.append(f"cell {i} (id {cell.get('id')}): a {', '.join(code)} fence inside a solution")
        if starts:
            inside_gated = True
        if ends:
            inside_gated = False
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_solutions_hold_no_unexecuted_python(path):
    """A solution's code is executed. ``{solution}`` blocks hold prose only; code lives in code
    cells between a ``{solution-start}`` and a ``{solution-end}`` markdown cell (sphinx-exercise's gated syntax),
    so a reader of the static book sees its output."""
    nb = nbformat.read(path, as_version=4)
    problems = _unexecuted_code_in_solutions(nb)
    assert not problems, f"{path.name}: solutions with code that never runs:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_gated_solutions_are_paired(path):
    """Every ``{solution-start}`` is closed by a ``{solution-end}`` before the next one opens or the notebook ends,
    and a gated solution holds at least one code cell (otherwise it would be a plain ``{solution}``)."""
    nb = nbformat.read(path, as_version=4)
    open_at, code_cells, problems = None, 0, []
    for i, cell in enumerate(nb.cells):
        text = cell.source if cell.cell_type == "markdown" else ""
        for marker in re.findall(r"\{solution-(start|end)\}", text):
            if marker == "start":
                if open_at is not None:
                    problems.append(f"cell {i}: solution-start while the one of cell {open_at} is open")
                open_at, code_cells = i, 0
            else:
                if open_at is None:
                    problems.append(f"cell {i}: solution-end with no solution-start")
                elif code_cells == 0:
                    problems.append(f"cells {open_at}-{i}: a gated solution with no code cell")
                open_at = None
        if cell.cell_type == "code" and open_at is not None:
            code_cells += 1
    if open_at is not None:
        problems.append(f"cell {open_at}: solution-start never closed")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_solution_checks_detect_what_they_should():
    """The two detectors on small hand-made notebooks: they must catch the defects the tests above look for."""
    v4 = nbformat.v4
    fenced = v4.new_notebook(cells=[v4.new_markdown_cell(
        "```{solution} ex-1\n:class: dropdown\n\nText.\n\n```python\nprint(1)\n```\n```")])
    assert _unexecuted_code_in_solutions(fenced)
    gated = v4.new_notebook(cells=[v4.new_markdown_cell("```{solution-start} ex-1\n:class: dropdown\n```"),
                                   v4.new_code_cell("print(1)"),
                                   v4.new_markdown_cell("```{solution-end}\n```")])
    assert not _unexecuted_code_in_solutions(gated)
    exercise_only = v4.new_notebook(cells=[v4.new_markdown_cell(
        "```{exercise}\n:label: ex-1\n\nRun:\n\n```python\nprint(1)\n```\n```")])
    assert not _unexecuted_code_in_solutions(exercise_only)     # code in an exercise is an instruction
    assert _asserting_names("x = 1\nassert x == 1") == ["assert"]
    assert _asserting_names("np.testing.assert_allclose(a, b)") == ["assert_allclose"]
    assert _asserting_names("# assert nothing\ns = 'assert'") == []


def root_conftest():
    """The repository's conftest.py (nbval's waits, make test's scheduler), not tests/conftest.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_tests_workers_take_a_notebook_or_a_test_file_whole_but_the_browser_test_page_by_page():
    scope = root_conftest().scope_of
    assert scope("notebooks/01_vanilla_rnn.ipynb::Cell 3") == scope("notebooks/01_vanilla_rnn.ipynb::Cell 40")
    assert scope("tests/test_gru.py::test_step[a-b]") == scope("tests/test_gru.py::test_other") == "tests/test_gru.py"
    pages = {scope(f"tests/test_browser.py::test_page[{p}]")
             for p in ("book/index", "notebooks/02_vanishing_gradients")}
    assert len(pages) == 2 and scope("tests/test_browser.py::test_browser_covers_every_page") not in pages


def test_make_tests_workers_start_the_book_build_first_and_the_browser_test_last(tmp_path):
    conftest = root_conftest()
    scope, order = conftest.scope_of, conftest.run_order
    pages = {p: scope(f"tests/test_browser.py::test_page[{p}]") for p in ("book/api", "book/index", "notebooks/02_x")}
    units = {"tests/test_gru.py": 40, "tests/test_rnn.py": 60, conftest.BOOK_BUILDER: 12,
             "notebooks/11_text.ipynb": 30, "notebooks/01_vanilla_rnn.ipynb": 20, pages["book/index"]: 1,
             pages["book/api"]: 1, pages["notebooks/02_x"]: 1,
             scope("tests/test_browser.py::test_browser_covers_every_page"): 1}
    first = [conftest.BOOK_BUILDER, "notebooks/11_text.ipynb", "notebooks/01_vanilla_rnn.ipynb", "tests/test_rnn.py",
             "tests/test_gru.py"]
    # before the build: the pages in the order collected
    assert sorted(units, key=lambda u: order(u, units[u], tmp_path)) == first + [
        pages["book/index"], pages["book/api"], pages["notebooks/02_x"], "tests/test_browser.py"]
    # once built: the heaviest page first
    for page, size in [("book/index", 10), ("book/api", 300), ("notebooks/02_x", 200)]:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{page}.html").write_bytes(b"x" * size)
    assert sorted(units, key=lambda u: order(u, units[u], tmp_path)) == first + [
        pages["book/api"], pages["notebooks/02_x"], pages["book/index"], "tests/test_browser.py"]
    source = (ROOT / conftest.BOOK_BUILDER).read_text()
    first_test = source[source.index("\ndef test_") + 1:].split("(")[0]
    assert first_test == "def test_build_passed_warning_free" and "built_book" in source.split("\ndef test_")[1]


def test_a_starting_kernel_is_waited_for_while_it_lives_and_fails_when_it_dies():
    """conftest.py's replacement of nbval's IOPub start-up wait: no time limit while the kernel lives (replies that
    come late are waited for), a clear error once it has died."""
    from queue import Empty

    conftest = root_conftest()

    class Kernel:
        def __init__(self, late_replies, alive=True):
            self.late, self.asked = late_replies, 0
            self.kc = type("KC", (), {"kernel_info": lambda _: "id"})()
            self.km = type("KM", (), {"is_alive": lambda _: alive})()

        def await_reply(self, msg_id, timeout):
            self.asked += 1
            if self.asked <= self.late:
                raise Empty

        def await_idle(self, msg_id, timeout):
            pass

    slow = Kernel(late_replies=50)      # 50 polls of 5 s: longer than nbval's own 30 s limit
    conftest._ensure_iopub_up(slow)
    assert slow.asked == 51
    with pytest.raises(RuntimeError, match="kernel died"):
        conftest._ensure_iopub_up(Kernel(late_replies=1, alive=False))
