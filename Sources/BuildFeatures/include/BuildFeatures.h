// Which of CPUFeatures' extensions this build may use.
#ifndef RNNSCOPE_BUILD_FEATURES_H
#define RNNSCOPE_BUILD_FEATURES_H

/// The extensions the compiler was allowed to use in this build, one bit each
/// in the order of CPUFeatures' list: this target is compiled with the same CPU
/// as the simulation modules (Package.swift), so its macros are theirs.
unsigned long long rnnscope_build_cpu_features(void);

#endif
