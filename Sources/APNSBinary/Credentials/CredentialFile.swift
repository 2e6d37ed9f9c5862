import Foundation

/// Reads credential files with errors that name the file and say what it was meant to hold.
enum CredentialFile {
    static func read(_ path: String, role: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CredentialError(.fileNotFound, file: path, message: "the \(role) file \(path) does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CredentialError(
                .fileUnreadable, file: path,
                message: "the \(role) file \(path) cannot be read (check that it is a file and its permissions)")
        }
        return Array(data)
    }
}
