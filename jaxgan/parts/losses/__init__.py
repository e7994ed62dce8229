"""Adversarial objectives: what D and G minimise, given D's logits.

The engine calls only `d_loss` and `g_loss`, so a new game is one new module here that registers a class in
`OBJECTIVES` (see `base`), never an engine branch: every module of this package is imported below.
"""

from jaxgan import registry
from jaxgan.parts.losses.base import OBJECTIVES, build_objective
from jaxgan.parts.losses.bce import MinimaxBCE, NonSaturatingBCE
from jaxgan.parts.losses.hinge import Hinge
from jaxgan.parts.losses.separate import SeparateObjectives
from jaxgan.parts.losses.supervised import SupervisedKPlusOne, SupervisedKPlusOneTwin
from jaxgan.parts.losses.wasserstein import Wasserstein

registry.import_submodules(__name__)

__all__ = ["OBJECTIVES", "Hinge", "MinimaxBCE", "NonSaturatingBCE", "SeparateObjectives", "SupervisedKPlusOne",
           "SupervisedKPlusOneTwin", "Wasserstein", "build_objective"]
