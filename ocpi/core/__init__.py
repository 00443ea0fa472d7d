"""Types, enums, envelope, errors and codecs shared by every module. No I/O here."""
