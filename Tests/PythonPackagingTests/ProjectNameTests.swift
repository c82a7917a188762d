import Testing

@testable import PythonPackaging

@Suite("Project names (PEP 503)")
struct ProjectNameTests {
    static let cases: [(input: String, normalized: String, valid: Bool, isNormalized: Bool)] = [
        ("Django", "django", true, false), ("django", "django", true, true), ("oslo.concurrency", "oslo-concurrency", true, false),
        ("Foo.Bar__baz", "foo-bar-baz", true, false), ("foo-bar", "foo-bar", true, true), ("foo_bar", "foo-bar", true, false),
        ("foo--bar", "foo-bar", true, false), ("a--b", "a-b", true, true), ("ab--c", "ab-c", true, false),
        ("-foo", "-foo", false, false), ("foo-", "foo-", false, false), ("", "", false, false), ("a", "a", true, true),
        ("A", "a", true, false), ("1", "1", true, true), ("foo bar", "foo bar", false, false),
        ("zope.interface", "zope-interface", true, false), ("Foo._-Bar", "foo-bar", true, false),
        ("ΑΣ", "ας", false, false), ("ΑΣ.Β", "ασ-β", false, false), ("ΑΣ Β", "ας β", false, false), ("İ", "i\u{307}", false, false),
        ("Straße", "straße", false, false), ("\u{212A}elvin", "kelvin", false, false), ("_", "-", false, false),
    ]

    @Test("normalizes, validates and recognizes normalized names like packaging", arguments: cases)
    func names(_ input: String, _ normalized: String, _ valid: Bool, _ isNormalized: Bool) {
        #expect(normalizedProjectName(input) == normalized)
        #expect(ProjectName(input).normalized == normalized)
        #expect(ProjectName.isValid(input) == valid)
        #expect(ProjectName.isNormalized(input) == isNormalized)
        #expect((ProjectName(validating: input) != nil) == valid)
    }

    @Test("spellings of one project are one key")
    func equalKeys() {
        #expect(ProjectName("Zope.Interface") == ProjectName("zope_interface"))
        #expect(Set([ProjectName("A.B"), ProjectName("a-b"), ProjectName("A__B")]).count == 1)
        // Python compares code points: precomposed and decomposed accents differ.
        #expect(ProjectName("\u{E9}") != ProjectName("e\u{301}"))
    }
}
