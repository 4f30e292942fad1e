// tap's coverage map: which sources each test file's processes count towards coverage.
// Test files whose subject is a child process (a script, the server, a second writer) run that child
// through tsx, whose compiled output maps to the sources differently from the test runner's loader:
// merged with the other tests' coverage of the same files, it garbles their counts. Those test files
// count nothing (null); what they exercise is covered in-process by other tests. Every other test
// file counts whatever it loads ([]).
const CHILD_PROCESS_TESTS = [
  'test/integration/drift-shutdown.test.ts',
  'test/scripts/batch.test.ts',
  'test/scripts/models-cli.test.ts',
  'test/scripts/serve.test.ts',
  'test/scripts/ship-registry-cli.test.ts',
  'test/scripts/test-dynamic-batching.test.ts',
  'test/services/registry/embedded.test.ts'
]

export default function coverageMap (testFile) {
  const file = testFile.replace(/\\/g, '/')
  return CHILD_PROCESS_TESTS.some((t) => file.endsWith(t)) ? null : []
}
