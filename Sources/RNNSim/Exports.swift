/// The network is generic over `RNNFloat` and seeded by `SeededRandom`, both from
/// the kernels' module: whoever imports the maths gets them with it.
@_exported import Kernels
