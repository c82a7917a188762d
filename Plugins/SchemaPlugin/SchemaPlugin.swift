import Foundation
import PackagePlugin

/// Compiles `Schema/*.sql` into the target as Swift source, so the migrations travel inside the
/// binary. `Schema/` stays the single source of truth: a new file there is picked up without
/// editing Package.swift, whenever SwiftPM plans the build again (a clean build, as CI's). An
/// incremental build may keep the list it planned before: `touch Package.swift` makes it plan.
@main
struct SchemaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        // ArtifactStorePostgres compiles its own dialect's migrations, Schema/postgres/*.sql (a
        // subfolder: the `.sql` filter below keeps it out of the SQLite list).
        let schemaDirectory = context.package.directoryURL.appending(
            path: target.name == "ArtifactStorePostgres" ? "Schema/postgres" : "Schema"
        )
        let migrations = try FileManager.default
            .contentsOfDirectory(at: schemaDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "SchemaMigrations.swift")
        return [
            .buildCommand(
                displayName: "Compiling \(migrations.count) schema migrations into \(target.name)",
                executable: try context.tool(named: "SchemaCodegen").url,
                arguments: [output.path] + migrations.map(\.path),
                inputFiles: migrations,
                outputFiles: [output]
            )
        ]
    }
}
