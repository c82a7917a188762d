/// `debug eval` operations over the PythonPackaging module (names, versions, specifiers, wheels, tags).
enum PackagingEvalOperations {
    static let all: [any EvalOperation.Type] = []
}
