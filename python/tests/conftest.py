import os
import sys

import torch

# The source tree first, so that the tests check this checkout whether or not it is installed.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
torch.set_num_threads(2)
