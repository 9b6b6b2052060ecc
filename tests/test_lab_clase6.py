"""Clase 6's fast profile on neurona meets every required target; its data modules are sound."""

import numpy as np
import pytest

import neurona.labs
from lab_checks import assert_targets_met
from neurona.datasets import numbers_es, shakespeare
from neurona.labs.runner import reproducible, run_lab

pytestmark = pytest.mark.xdist_group("labs")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The fast profile on neurona, seed 0, run once per module: (result, its report folder)."""
    out = tmp_path_factory.mktemp("clase6")
    return run_lab(neurona.labs.find("6"), "neurona", "fast", 0, str(out)), out


def test_clase6_fast_profile_meets_its_targets(fast_run):
    result, tmp_path = fast_run
    assert not result.error, result.error
    missed = [f"{t.target.describe()}: measured {t.measured}" for t in result.targets
              if t.required and not t.passed]
    print("\n".join(missed))
    assert not missed, "targets missed:\n" + "\n".join(missed)
    assert result.status == "ok"
    assert {t.target.metric for t in result.targets} >= {
        "signal1_best_rnn_test_mse", "signal10_best_test_mse", "grad_rnn_init_first_over_last",
        "clip_final_loss", "mnist1d_gru_test_accuracy", "charlm_val_nats",
        "numbers_gru_attention_exact_match", "numbers_transformer_exact_match"}
    for name in ("signals_forecasts", "vanishing_gradients", "gradient_clipping", "attention_heatmaps"):
        assert (tmp_path / "figures" / f"clase6-{name}.png").exists(), name
    assert any("temperatura 0.5" in t for t in result.texts)
    assert any("temperatura 1.0" in t for t in result.texts)


def test_clase6_same_seed_gives_identical_results(fast_run, tmp_path):
    """Issue 8: the same seed gives bit-identical metrics and curves (timings aside)."""
    first, _ = fast_run
    again = run_lab(neurona.labs.find("6"), "neurona", "fast", 0, str(tmp_path))
    assert reproducible(again) == reproducible(first)


# The torch runs form their own xdist group ("labs_torch" with the module's mark), so under
# `pytest -n 2 --dist loadgroup` they run on the other worker than the neurona runs above.
@pytest.mark.xdist_group("torch")
def test_clase6_fast_profile_on_torch_meets_its_targets(tmp_path):
    pytest.importorskip("torch")
    result = run_lab(neurona.labs.find("6"), "torch", "fast", 0, str(tmp_path))
    assert_targets_met(result, "torch")


# -- Shakespeare ---------------------------------------------------------------------------------
def test_shakespeare_plays_and_plain_text():
    names = shakespeare.plays()
    assert len(names) == 38 and "hamlet" in names and names == sorted(names)
    text = shakespeare.play("hamlet")
    assert text.startswith("Hamlet\n")
    assert "HAMLET:\nTo be, or not to be" in text
    assert not set("*_#\\") & set(text)
    assert shakespeare.play("hamlet") is text  # cached


def test_shakespeare_markdown_conversion():
    md = "# Play\n\n## ACT I\n\n_Enter A_\n\n**A**  \nOne,  \ntwo\\--three.\n\n\n\n**B**  \nYes."
    expected = "Play\n\nACT I\n\nEnter A\n\nA:\nOne,\ntwo--three.\n\nB:\nYes.\n"
    assert shakespeare.markdown_to_text(md) == expected


def test_shakespeare_char_dataset_is_deterministic_and_round_trips():
    tr, va, vocab = shakespeare.char_dataset(["hamlet", "macbeth"])
    tr2, va2, vocab2 = shakespeare.char_dataset(["hamlet", "macbeth"])
    assert vocab == vocab2 and np.array_equal(tr, tr2) and np.array_equal(va, va2)
    assert tr.dtype == np.int64 and tr.min() >= 0 and tr.max() < len(vocab)
    total = len(shakespeare.play("hamlet")) + len(shakespeare.play("macbeth"))
    assert 0.08 < len(va) / total < 0.12
    assert shakespeare.decode(shakespeare.encode("To be, or not", vocab), vocab) == "To be, or not"
    with pytest.raises(KeyError):
        shakespeare.encode("é", vocab)
    with pytest.raises(KeyError):
        shakespeare.play("hamlet-ii")


# -- numbers → Spanish words ---------------------------------------------------------------------
def test_spanish_words():
    assert numbers_es.spanish(4721) == "cuatro mil setecientos veintiuno"
    assert numbers_es.spanish(100) == "cien"
    vocab = numbers_es.word_vocabulary(6)
    assert vocab[:3] == numbers_es.SPECIALS and "mil" in vocab and "veintiuno" in vocab
    assert numbers_es.target_length(6) == 11 and numbers_es.target_length(4) == 8


def test_numbers_dataset_shapes_determinism_and_disjoint_split():
    d = numbers_es.dataset(300, 50, max_digits=6, seed=3)
    again = numbers_es.dataset(300, 50, max_digits=6, seed=3)
    for key in ("numbers_train", "numbers_test", "src_train", "src_test", "tgt_train", "tgt_test"):
        assert np.array_equal(d[key], again[key]), key
    assert d["src_train"].shape == (300, 6) and d["tgt_test"].shape == (50, 11)
    assert d["src_train"].dtype == np.int64 and d["tgt_train"].dtype == np.int64
    assert not set(d["numbers_train"].tolist()) & set(d["numbers_test"].tolist())
    assert len(set(d["numbers_train"].tolist())) == 300
    assert d["numbers_test"].min() >= 100  # held-out numbers have at least three digits
    vocab = d["vocab"]
    for n, src, tgt in zip(d["numbers_train"][:20], d["src_train"][:20], d["tgt_train"][:20]):
        digits = "".join(numbers_es.SOURCE_VOCAB[i] for i in src if i != numbers_es.PAD)
        assert digits == str(n)
        assert tgt[0] == numbers_es.BOS
        assert numbers_es.decode_target(tgt, vocab) == numbers_es.spanish(n)


def test_numbers_encoding():
    src = numbers_es.encode_source(np.array([7, 4721]), max_digits=5)
    assert src.tolist() == [[0, 0, 0, 0, 8], [0, 5, 8, 3, 2]]
    with pytest.raises(ValueError):
        numbers_es.encode_source(np.array([123456]), max_digits=5)
    with pytest.raises(ValueError):
        numbers_es.word_vocabulary(7)
