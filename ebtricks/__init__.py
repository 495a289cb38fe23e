"""ebtricks: the tricks of "Efficient BackProp" (LeCun, Bottou, Orr, Müller, 1998).

The numerical core imports only numpy and numba. Plotting and widgets live in
:mod:`ebtricks.figures`, which is never imported from here.

>>> import ebtricks as eb
>>> X, D = eb.data.two_gaussians(seed=0)
>>> net = eb.mlp([2, 1], activation="identity")
>>> history = eb.train_sgd(net, X, D, epochs=3, eta=0.05)
"""
from . import _cache  # noqa: F401  (first: every kernel's disk cache is keyed on all kernel sources)
from . import _compiling  # noqa: F401  (a line on stderr when a first use compiles kernels)
from . import curvature, data
from .activations import Activation
from .descent import (LogCosh1D, Quadratic, Quadratic1D, gradient_descent, gradient_descent_1d,
                      predicted_steps, steps_to_converge)
from .network import RBF, Conv2D, Dense, Network, Subsample, init_rbf_from_data, mlp
from .objective import FunctionObjective, NetworkObjective
from .optimizers import (BFGS, LBFGS, SDLM, SGD, Adam, ConjugateGradient, GaussNewton,
                         GradientDescent, LevenbergMarquardt, Newton, OptimizationError,
                         minimize, train)
from .preprocessing import InputTransform, whiten
from . import checks, lenet, measure
from .sgd import History, Murata, TrainingDiverged, train_sgd
from ._threads import blas_threads, set_blas_threads

__version__ = "0.1.0"

__all__ = ["Activation", "Dense", "Conv2D", "Subsample", "RBF", "init_rbf_from_data",
           "Network", "mlp", "train_sgd", "History", "Murata",
           "train", "minimize", "SGD", "SDLM", "Adam", "GradientDescent", "ConjugateGradient", "BFGS",
           "LBFGS", "Newton", "GaussNewton", "LevenbergMarquardt", "OptimizationError",
           "NetworkObjective", "FunctionObjective",
           "TrainingDiverged", "InputTransform", "whiten", "data",
           "Quadratic1D", "LogCosh1D", "Quadratic", "gradient_descent", "gradient_descent_1d",
           "steps_to_converge", "predicted_steps", "curvature", "measure", "checks", "lenet",
           "set_blas_threads", "blas_threads"]
from . import adaptive  # noqa: E402  (§4.7: Murata's rate on any stochastic gradient)
