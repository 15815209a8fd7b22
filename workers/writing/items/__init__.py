"""One module per item type; each exposes score(answer, item, context, config) -> ItemScore."""
