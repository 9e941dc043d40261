"""Identity resolution: normalize identities, match exactly and fuzzily, merge and undo."""
