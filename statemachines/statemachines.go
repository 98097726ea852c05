// Package statemachines holds the reference state machines, unchanged ASL
// as SAM deploys them, with their Step Functions Local mock configurations.
// Its tests run every mocked test case through `stepwise run` and check the
// mocks against the real Process function.
//
// ${Name} placeholders (${ProcessFunctionArn}, ${ContactsTableName}) are
// filled by the SAM template's DefinitionSubstitutions on deploy; stepwise
// run and the tests leave them as they are, since Task states are mocked
// there.
package statemachines

import "embed"

// FS holds the definitions (*.asl.json) and mock configurations
// (*.mocks.json), for a default set of state machines to load.
//
//go:embed *.asl.json *.mocks.json
var FS embed.FS
