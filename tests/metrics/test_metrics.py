"""jaxgan.metrics against independent computations: scipy's sqrtm, closed forms, and naive double loops that
follow the papers' definitions literally."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from jaxgan import metrics


# ---------------------------------------------------------------------------------------------------------------
# Naive reference implementations (pure Python loops over pairs, float64).

def naive_kth_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest *other* row."""
    rows = x.astype(np.float64).tolist()
    return np.array([sorted(math.dist(a, b) for j, b in enumerate(rows) if j != i)[k - 1]
                     for i, a in enumerate(rows)])


def naive_precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    real_r, fake_r = naive_kth_radii(real, k), naive_kth_radii(fake, k)
    reals, fakes = real.astype(np.float64).tolist(), fake.astype(np.float64).tolist()
    precision = np.mean([any(math.dist(f, r) <= real_r[i] for i, r in enumerate(reals)) for f in fakes])
    recall = np.mean([any(math.dist(r, f) <= fake_r[j] for j, f in enumerate(fakes)) for r in reals])
    return {"precision": precision, "recall": recall}


def naive_density_coverage(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    real_r = naive_kth_radii(real, k)
    reals, fakes = real.astype(np.float64).tolist(), fake.astype(np.float64).tolist()
    inside = [[math.dist(f, r) <= real_r[i] for f in fakes] for i, r in enumerate(reals)]  # [N][M]
    density = sum(sum(row) for row in inside) / (k * len(fakes))
    coverage = np.mean([any(row) for row in inside])
    return {"density": density, "coverage": coverage}


def naive_mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kern = lambda a, b: (float(np.dot(a, b)) / d + 1.0) ** 3  # noqa: E731
    x, y = x.astype(np.float64), y.astype(np.float64)
    m, n = len(x), len(y)
    xx = sum(kern(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kern(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kern(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def scipy_frechet(mu1, cov1, mu2, cov2) -> float:
    covmean = scipy.linalg.sqrtm(cov1 @ cov2)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean).real)


def random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def feature_sets(seed: int, n_real: int, n_fake: int, d: int = 8, shift: float = 0.5, offset: float = 0.0):
    """Overlapping but different float32 clouds, so the k-NN metrics land strictly between 0 and 1.

    `offset` moves both far from the origin, like post-ReLU features, where distance expansions lose digits.
    """
    rng = np.random.default_rng(seed)
    real = (rng.normal(size=(n_real, d)) + offset).astype(np.float32)
    fake = (1.3 * rng.normal(size=(n_fake, d)) + shift + offset).astype(np.float32)
    return real, fake


# ---------------------------------------------------------------------------------------------------------------
# FID

def test_frechet_matches_scipy_sqrtm_for_non_commuting_covariances():
    rng = np.random.default_rng(0)
    d = 12
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    cov1, cov2 = random_spd(rng, d), random_spd(rng, d)
    assert np.linalg.norm(cov1 @ cov2 - cov2 @ cov1) > 1.0  # the case where sqrt(C1) sqrt(C2) != sqrt(C1 C2)
    expected = scipy_frechet(mu1, cov1, mu2, cov2)
    assert metrics.frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-9)
    assert metrics.frechet_distance(mu1, cov1, mu2, cov2, dtype=jnp.float32) == pytest.approx(expected, rel=1e-4)
    assert metrics.frechet_distance(mu2, cov2, mu1, cov1) == pytest.approx(expected, rel=1e-9)


def test_frechet_diagonal_covariances_hand_formula():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.1, 3.0, size=6), rng.uniform(0.1, 3.0, size=6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_fid_of_identical_sets_is_zero_even_when_covariance_is_singular():
    rng = np.random.default_rng(2)
    feats = rng.normal(size=(500, 16)).astype(np.float32)
    assert abs(metrics.fid(feats, feats)) < 1e-9
    low_rank = rng.normal(size=(10, 32)).astype(np.float32)  # n < d: a rank-9 covariance
    value = metrics.fid(low_rank, low_rank)
    assert np.isfinite(value) and abs(value) < 1e-6


def test_fid_matches_numpy_statistics_and_is_symmetric():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(400, 10)).astype(np.float32)
    b = (rng.normal(size=(300, 10)) @ rng.normal(size=(10, 10)) * 0.5 + 0.2).astype(np.float32)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    expected = scipy_frechet(a64.mean(0), np.cov(a64, rowvar=False), b64.mean(0), np.cov(b64, rowvar=False))
    assert metrics.fid(a, b) == pytest.approx(expected, rel=1e-9)
    assert metrics.fid(b, a) == pytest.approx(metrics.fid(a, b), rel=1e-9)
    assert metrics.fid(a, b, dtype=np.float32) == pytest.approx(expected, rel=1e-3)


def test_feature_statistics_in_batches_and_cached_reuse():
    rng = np.random.default_rng(4)
    feats = (rng.normal(size=(1003, 7)) * 3 + 100).astype(np.float32)  # a large mean tests for cancellation
    mu, cov = metrics.feature_statistics(feats)
    f64 = feats.astype(np.float64)
    np.testing.assert_allclose(mu, f64.mean(0), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(f64, rowvar=False), rtol=1e-10, atol=1e-12)
    batched = metrics.feature_statistics(feats[i:i + 128] for i in range(0, len(feats), 128))
    np.testing.assert_allclose(batched.mu, mu, rtol=1e-12)
    np.testing.assert_allclose(batched.cov, cov, rtol=1e-10, atol=1e-12)
    other = rng.normal(size=(200, 7)).astype(np.float32)
    assert metrics.fid(batched, other) == pytest.approx(metrics.fid(feats, other), rel=1e-10)
    reloaded = metrics.FeatureStats(**{k: np.asarray(v) for k, v in batched._asdict().items()})
    assert metrics.fid(other, reloaded) == pytest.approx(metrics.fid(other, feats), rel=1e-10)


def test_float64_mode_does_not_leak():
    rng = np.random.default_rng(5)

    def producer():  # a feature extractor's own JAX code must not run in x64 mode
        for _ in range(3):
            assert not jax.config.jax_enable_x64
            yield jnp.asarray(rng.normal(size=(20, 4)))

    metrics.fid(metrics.feature_statistics(producer()), rng.normal(size=(50, 4)))
    assert not jax.config.jax_enable_x64
    assert jnp.ones(2).dtype == jnp.float32


def test_fid_rejects_bad_shapes():
    with pytest.raises(ValueError, match="feature dimensions|fake_feats"):
        metrics.fid(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="cov2"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
    with pytest.raises(ValueError, match="dtype"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(3), dtype=np.int32)


# ---------------------------------------------------------------------------------------------------------------
# Precision / recall and density / coverage

# (n_real, n_fake, k, block_size, offset): blocks smaller than n and not dividing it exercise padding of the last
# block; the offset case checks that a large common offset does not cost the float32 distances their accuracy.
KNN_CASES = [(50, 60, 1, 1024, 0.0), (120, 80, 3, 16, 0.0), (200, 150, 5, 7, 0.0), (97, 103, 10, 32, 300.0)]


@pytest.mark.parametrize("n_real,n_fake,k,block_size,offset", KNN_CASES)
def test_precision_recall_matches_naive(n_real, n_fake, k, block_size, offset):
    real, fake = feature_sets(n_real * 7 + k, n_real, n_fake, offset=offset)
    got = metrics.precision_recall(real, fake, k=k, block_size=block_size)
    expected = naive_precision_recall(real, fake, k)
    assert got == pytest.approx(expected, abs=1e-12)
    assert 0 < got["precision"] < 1 and 0 < got["recall"] < 1  # a non-degenerate check


@pytest.mark.parametrize("n_real,n_fake,k,block_size,offset", KNN_CASES)
def test_density_coverage_matches_naive(n_real, n_fake, k, block_size, offset):
    real, fake = feature_sets(n_real * 11 + k, n_real, n_fake, offset=offset)
    got = metrics.density_coverage(real, fake, k=k, block_size=block_size)
    expected = naive_density_coverage(real, fake, k)
    assert got == pytest.approx(expected, abs=1e-12)
    assert 0 < got["coverage"] < 1


def test_knn_radii_excludes_self_and_is_block_independent():
    real, _ = feature_sets(6, 75, 1)
    for k in (1, 4):
        np.testing.assert_allclose(metrics.knn_radii(real, k, block_size=8), naive_kth_radii(real, k), rtol=1e-4)
        np.testing.assert_array_equal(metrics.knn_radii(real, k, block_size=8), metrics.knn_radii(real, k))
    # Each point's nearest other point is its exact duplicate. The distance expansion leaves a rounding residue of
    # about sqrt(eps) * |x| rather than an exact 0; it must still be far below every genuine neighbour distance.
    twins = np.concatenate([real, real])
    assert np.max(metrics.knn_radii(twins, 1, block_size=16)) < 1e-2 < 0.1 < np.min(naive_kth_radii(real, 1))


def test_knn_metrics_limiting_cases():
    real, _ = feature_sets(7, 150, 1)
    same_pr = metrics.precision_recall(real, real, block_size=64)
    assert same_pr == {"precision": 1.0, "recall": 1.0}
    assert metrics.density_coverage(real, real, block_size=64)["coverage"] == 1.0
    far = real + 1000.0
    assert metrics.precision_recall(real, far) == {"precision": 0.0, "recall": 0.0}
    assert metrics.density_coverage(real, far) == {"density": 0.0, "coverage": 0.0}


def test_knn_metrics_reject_bad_input():
    real, fake = feature_sets(8, 5, 20)
    with pytest.raises(ValueError, match="more than k=5"):
        metrics.density_coverage(real, fake, k=5)
    with pytest.raises(ValueError, match="feature dimensions"):
        metrics.precision_recall(real, fake[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        metrics.precision_recall(real[0], fake)


# ---------------------------------------------------------------------------------------------------------------
# Inception score

def test_inception_score_limits():
    num_classes, splits = 10, 5
    labels = np.arange(200) % num_classes  # every split holds every class equally often
    mean, std = metrics.inception_score(np.eye(num_classes)[labels], splits=splits)
    assert mean == pytest.approx(num_classes, rel=1e-5) and std < 1e-4
    p = np.random.default_rng(9).dirichlet(np.ones(num_classes))
    mean, std = metrics.inception_score(np.tile(p, (200, 1)), splits=splits)
    assert mean == pytest.approx(1.0, abs=1e-5) and std < 1e-5


def test_inception_score_matches_numpy_reference():
    probs = np.random.default_rng(10).dirichlet(0.3 * np.ones(7), size=103)
    splits = 4
    size = len(probs) // splits  # the trailing rows are dropped, as in the reference implementation
    scores = []
    for s in range(splits):
        part = probs[s * size:(s + 1) * size]
        py = part.mean(0)
        scores.append(np.exp(np.mean([np.sum(p * (np.log(p) - np.log(py))) for p in part])))
    mean, std = metrics.inception_score(probs.astype(np.float32), splits=splits)
    assert mean == pytest.approx(np.mean(scores), rel=1e-4)
    assert std == pytest.approx(np.std(scores), rel=1e-2, abs=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# KID

def test_mmd2_matches_naive_double_loop():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    y = (rng.normal(size=(30, 5)) + 0.3).astype(np.float32)
    expected = naive_mmd2_unbiased(x, y)
    # subset_size = n: the one subset is a permutation of each whole set, and MMD^2 is permutation invariant.
    mean, std = metrics.kid(x, y, num_subsets=1, subset_size=30)
    assert mean == pytest.approx(expected, rel=1e-4, abs=1e-6) and std == 0.0
    assert float(metrics.mmd2_unbiased(x, y[:17])) == pytest.approx(naive_mmd2_unbiased(x, y[:17]), rel=1e-4)


def test_kid_is_unbiased_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(12)
    d, pool, num_subsets = 8, 20_000, 400
    a = rng.normal(size=(pool, d)).astype(np.float32)
    b = rng.normal(size=(pool, d)).astype(np.float32)
    # Small subsets from large pools: nearly independent draws, so the mean's standard error is std / sqrt(400).
    # A biased (V-statistic) estimate would sit O(1/subset_size) above 0, many standard errors away.
    mean, std = metrics.kid(a, b, num_subsets=num_subsets, subset_size=50, key=jax.random.key(3))
    assert abs(mean) < 4 * std / math.sqrt(num_subsets)
    shifted_mean, shifted_std = metrics.kid(a, b + 0.5, num_subsets=num_subsets, subset_size=50)
    assert shifted_mean > 3 * shifted_std > 0
    assert shifted_mean > 20 * abs(mean)


def test_kid_key_is_explicit_and_deterministic():
    a, b = feature_sets(13, 300, 300)
    default = metrics.kid(a, b, num_subsets=5, subset_size=100)
    assert metrics.kid(a, b, num_subsets=5, subset_size=100, key=jax.random.key(0)) == default
    assert metrics.kid(a, b, num_subsets=5, subset_size=100, key=jax.random.key(1)) != default


# ---------------------------------------------------------------------------------------------------------------
# Class accuracy

def test_class_accuracy_hand_made():
    probs = np.array([[.9, .1, .0], [.2, .7, .1], [.1, .1, .8], [.6, .3, .1], [.3, .3, .4]])
    labels = np.array([0, 1, 1, 1, 2])  # predictions 0, 1, 2, 0, 2: rows 0, 1 and 4 are right
    assert metrics.class_accuracy(probs, labels) == pytest.approx(0.6)
    per_class = metrics.per_class_accuracy(probs, labels, num_classes=4)
    np.testing.assert_allclose(per_class[:3], [1.0, 1 / 3, 1.0], rtol=1e-6)
    assert np.isnan(per_class[3])  # class 3 never appears: no accuracy rather than 0
    with pytest.raises(ValueError, match="labels"):
        metrics.class_accuracy(probs, labels[:3])


# ------------------------------------------------------------------------------------------ classes found
def test_classes_found_counts_classes_with_a_fifth_of_their_share():
    """100 samples of 10 classes: a class is found with >= 2 argmaxes (0.2 x 100 / 10); counted by hand."""
    from jaxgan.metrics import modes

    argmax = np.array([0] * 50 + [1] * 30 + [2] * 15 + [3] * 2 + [4] * 1 + [5] * 2)  # 0,1,2,3,5 found; 4 not
    probs = np.eye(10)[argmax] * 0.9 + 0.01
    assert modes.classes_found(probs) == 5
    hist = modes.class_histogram(probs)
    assert hist[0] == 0.5 and hist[4] == 0.01 and hist[6:].sum() == 0
    out = metrics.compute_all(metrics.MetricInputs(np.zeros((100, 2)), np.zeros((100, 2)),
                                                   metrics.feature_statistics(np.random.default_rng(0).normal(
                                                       size=(100, 2))), probs))
    assert out["classes_found"] == 5.0 and len(out["class_histogram"]) == 10
