// Package jsonpath implements the JSONPath query language of the Amazon
// States Language: paths and reference paths (InputPath, OutputPath,
// ItemsPath, Choice Variable ...), payload templates whose keys end in
// ".$" (Parameters, ResultSelector, ItemSelector, Assign), and ResultPath.
//
// # Semantics
//
// AWS Step Functions evaluates paths with Jayway JsonPath. This package is
// a small evaluator written for that behaviour, not a general JSONPath
// library: dot and bracket notation, ['quoted'] keys (kept raw, as AWS
// does: a backslash escapes the quote but stays in the key), [n] and
// negative indexes, [*] and .* wildcards, .. deep scan, [a,b] unions,
// [a:b] slices, [?(...)] filters and a trailing length() function.
//
// A definite path (names and single indexes only) returns its value or a
// *NotFoundError whose text is Jayway's ("No results for path: $['a']",
// "Missing property in path $['a']"). An indefinite path returns a []any
// of its matches, possibly empty, and never fails.
//
// # Roots
//
// "$" is the state input, "$$" the context object and "$name" the variable
// name; Env.Resolve picks the document for a compiled path.
//
// # Intrinsic functions
//
// Templates call package intrinsic for ".$" values that start with
// "States.". intrinsic does not import this package: it hands path
// arguments back as text through its own small Env interface, which
// Template implements with paths compiled once by CompileTemplate.
package jsonpath
