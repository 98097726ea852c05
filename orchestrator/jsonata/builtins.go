package jsonata

// builtins is the function library, keyed by name without "$". Each entry
// carries its jsonata-js signature; AWS's additions ($partition, $range,
// $hash, $random with a seed, $uuid, $parse) are at the end. $eval is
// absent: AWS forbids it, and calling it fails with T1006 as on AWS.
var builtins = map[string]*builtin{}

func init() {
	table := []struct {
		name string
		sig  string
		fn   func(c *evalCtx, args []any, input any) (any, error)
	}{
		{"sum", "<a<n>:n>", fnSum},
		{"count", "<a:n>", fnCount},
		{"max", "<a<n>:n>", fnMax},
		{"min", "<a<n>:n>", fnMin},
		{"average", "<a<n>:n>", fnAverage},
		{"string", "<x-b?:s>", fnString},
		{"substring", "<s-nn?:s>", fnSubstring},
		{"substringBefore", "<s-s:s>", fnSubstringBefore},
		{"substringAfter", "<s-s:s>", fnSubstringAfter},
		{"lowercase", "<s-:s>", fnLowercase},
		{"uppercase", "<s-:s>", fnUppercase},
		{"length", "<s-:n>", fnLength},
		{"trim", "<s-:s>", fnTrim},
		{"pad", "<s-ns?:s>", fnPad},
		{"match", "<s-f<s:o>n?:a<o>>", fnMatch},
		{"contains", "<s-(sf):b>", fnContains},
		{"replace", "<s-(sf)(sf)n?:s>", fnReplace},
		{"split", "<s-(sf)n?:a<s>>", fnSplit},
		{"join", "<a<s>s?:s>", fnJoin},
		{"formatNumber", "<n-so?:s>", fnFormatNumber},
		{"formatBase", "<n-n?:s>", fnFormatBase},
		{"formatInteger", "<n-s:s>", fnFormatInteger},
		{"parseInteger", "<s-s:n>", fnParseInteger},
		{"number", "<(nsb)-:n>", fnNumber},
		{"floor", "<n-:n>", unaryMath(mathFloor)},
		{"ceil", "<n-:n>", unaryMath(mathCeil)},
		{"round", "<n-n?:n>", fnRound},
		{"abs", "<n-:n>", fnAbs},
		{"sqrt", "<n-:n>", fnSqrt},
		{"power", "<n-n:n>", fnPower},
		{"boolean", "<x-:b>", fnBoolean},
		{"not", "<x-:b>", fnNot},
		{"map", "<af>", fnMap},
		{"zip", "<a+>", fnZip},
		{"filter", "<af>", fnFilter},
		{"single", "<af?>", fnSingle},
		{"reduce", "<afj?:j>", fnReduce},
		{"sift", "<o-f?:o>", fnSift},
		{"keys", "<x-:a<s>>", fnKeys},
		{"lookup", "<x-s:x>", fnLookup},
		{"append", "<xx:a>", fnAppend},
		{"exists", "<x:b>", fnExists},
		{"spread", "<x-:a<o>>", fnSpread},
		{"merge", "<a<o>:o>", fnMerge},
		{"reverse", "<a:a>", fnReverse},
		{"each", "<o-f:a>", fnEach},
		{"error", "<s?:x>", fnError},
		{"assert", "<bs?:x>", fnAssert},
		{"type", "<x:s>", fnType},
		{"sort", "<af?:a>", fnSort},
		{"shuffle", "<a:a>", fnShuffle},
		{"distinct", "<x:x>", fnDistinct},
		{"base64encode", "<s-:s>", fnBase64Encode},
		{"base64decode", "<s-:s>", fnBase64Decode},
		{"encodeUrlComponent", "<s-:s>", fnEncodeURLComponent},
		{"encodeUrl", "<s-:s>", fnEncodeURL},
		{"decodeUrlComponent", "<s-:s>", fnDecodeURLComponent},
		{"decodeUrl", "<s-:s>", fnDecodeURL},
		{"toMillis", "<s-s?:n>", fnToMillis},
		{"fromMillis", "<n-s?s?:s>", fnFromMillis},
		{"now", "<s?s?:s>", fnNow},
		{"millis", "<:n>", fnMillis},
		// AWS Step Functions additions.
		{"partition", "<an:a>", fnPartition},
		{"range", "<nnn?:a>", fnRange},
		{"hash", "<s-s?:s>", fnHash},
		{"random", "<n?:n>", fnRandom},
		{"uuid", "<:s>", fnUUID},
		{"parse", "<s-:x>", fnParse},
	}
	for _, e := range table {
		builtins[e.name] = &builtin{name: e.name, sigText: e.sig, fn: e.fn}
	}
}
