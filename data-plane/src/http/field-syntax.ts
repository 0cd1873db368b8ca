/**
 * RFC 9110 field syntax, checked before a header is written, in either direction: a name is a
 * token; a value holds no CR, LF, NUL or other control character. Strings are written as
 * latin1, which keeps only a character's low byte, so a character above U+00FF is refused
 * too (U+010D would go out as CR).
 */
export const FIELD_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
export const INVALID_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
