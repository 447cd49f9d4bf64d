"""The ``mutant`` family: type-consistent edits of real kernels (see ``mutant.MutantSource``)."""
