"""What a mutant row records of its origin in ``metadata``: the field names and their feature types."""

# Provenance fields a mutant row carries in ``metadata`` (datasets feature types), for the schema.
PROVENANCE_FIELDS = {
    "family": "string",  # the parent's package and source file: kernels of one family share a split
    "parent_id": "string",  # the parent's row id in the real release
    "parent_package": "string",
    "parent_version": "string",
    "parent_file": "string",
    "parent_kernel": "string",
    "parent_split": "string",  # a mutant of a real test kernel stays in test
    "edits": "list of string",  # what each edit of the chain did, in order
}
