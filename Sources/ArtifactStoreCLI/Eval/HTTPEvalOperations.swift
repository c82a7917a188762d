/// `debug eval` operations over the HTTPCaching module.
enum HTTPEvalOperations {
    static let all: [any EvalOperation.Type] = []
}
