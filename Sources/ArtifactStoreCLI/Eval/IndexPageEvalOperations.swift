/// `debug eval` operations over the PythonPackaging index-page parser (links, pages).
enum IndexPageEvalOperations {
    static let all: [any EvalOperation.Type] = []
}
