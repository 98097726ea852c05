// Package intrinsic implements the 18 intrinsic functions of the Amazon
// States Language (States.Format, States.Array, States.MathAdd, ...) used
// in JSONPath payload templates, as a table of Func entries.
//
// Compile parses a call such as "States.Format('{} {}', $.a, $$.Execution.Id)"
// once; Call.Eval evaluates it many times. Arguments are 'string literals'
// (with the escapes \' \{ \} \\), numbers, true, false, null, paths and
// nested calls.
//
// This package does not evaluate paths itself, to keep package jsonpath
// (which compiles templates and calls this package) free of an import
// cycle: path arguments are kept as text and resolved through Env, which
// jsonpath implements with paths it compiles up front (see Call.Paths).
// Randomness for States.UUID and States.MathRandom also comes from Env, so
// that an interpreter step can be replayed.
package intrinsic
