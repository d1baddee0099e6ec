"""The structured bank formats (SPEC §11), each a `Source` of records like a CSV file's."""
