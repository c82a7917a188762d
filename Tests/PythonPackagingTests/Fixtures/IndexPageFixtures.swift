// Index pages in the shapes the real indexes serve, written by hand for the index-page tests.

enum IndexPageFixtures {
    static let sha256Wheel = "36ea3fa3a5a4b1ec5a3b4d9b0a3e1fb71a0e6b4b1e7a8d7c5e0d3f2a1b4c5d6e"
    static let sha256Sdist = "9a6b3e1b4c5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
    static let sha256Old = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
    static let sha256Metadata = "b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80910"

    /// pypi.org/simple/sampleproject/ as HTML (PEP 503 + PEP 629 meta, PEP 658/714 attributes,
    /// PEP 592 yanked with a reason, the trailing SERIAL comment PyPI adds).
    static let pypiHTML = """
    <!DOCTYPE html>
    <html>
      <head>
        <meta name="pypi:repository-version" content="1.1">
        <title>Links for sampleproject</title>
      </head>
      <body>
        <h1>Links for sampleproject</h1>
        <a href="https://files.pythonhosted.org/packages/ec/a8/sampleproject-3.0.0-py3-none-any.whl#sha256=\(sha256Wheel)" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=\(sha256Metadata)" data-core-metadata="sha256=\(sha256Metadata)">sampleproject-3.0.0-py3-none-any.whl</a><br />
        <a href="https://files.pythonhosted.org/packages/67/2a/sampleproject-3.0.0.tar.gz#sha256=\(sha256Sdist)" data-requires-python="&gt;=3.8" >sampleproject-3.0.0.tar.gz</a><br />
        <a href="https://files.pythonhosted.org/packages/aa/bb/sampleproject-1.2.0-py2.py3-none-any.whl#sha256=\(sha256Old)" data-requires-python="&gt;=2.7, !=3.0.*, !=3.1.*, &lt;4" data-yanked="Broken metadata &amp; wrong tags" data-gpg-sig="false">sampleproject-1.2.0-py2.py3-none-any.whl</a><br />
      </body>
    </html>
    <!--SERIAL 21384949-->
    """

    /// The same page as PEP 691 JSON, API 1.0 (no PEP 700 fields).
    static let pypiJSON10 = """
    {"meta": {"api-version": "1.0", "_last-serial": 21384949}, "name": "sampleproject", "files": [
      {"filename": "sampleproject-3.0.0-py3-none-any.whl", "url": "https://files.pythonhosted.org/packages/ec/a8/sampleproject-3.0.0-py3-none-any.whl",
       "hashes": {"sha256": "\(sha256Wheel)"}, "requires-python": ">=3.8",
       "core-metadata": {"sha256": "\(sha256Metadata)"}, "data-dist-info-metadata": {"sha256": "\(sha256Metadata)"}, "yanked": false},
      {"filename": "sampleproject-3.0.0.tar.gz", "url": "https://files.pythonhosted.org/packages/67/2a/sampleproject-3.0.0.tar.gz",
       "hashes": {"sha256": "\(sha256Sdist)"}, "requires-python": ">=3.8", "core-metadata": false, "yanked": false},
      {"filename": "sampleproject-1.2.0-py2.py3-none-any.whl", "url": "https://files.pythonhosted.org/packages/aa/bb/sampleproject-1.2.0-py2.py3-none-any.whl",
       "hashes": {"sha256": "\(sha256Old)"}, "requires-python": ">=2.7, !=3.0.*, !=3.1.*, <4", "gpg-sig": false,
       "yanked": "Broken metadata & wrong tags"}
    ]}
    """

    /// The same page as PEP 691 JSON, API 1.1 (PEP 700: versions, size, upload-time).
    static let pypiJSON11 = """
    {
      "meta": {"api-version": "1.1", "_last-serial": 21384949},
      "name": "sampleproject",
      "versions": ["1.2.0", "3.0.0"],
      "files": [
        {
          "filename": "sampleproject-3.0.0-py3-none-any.whl",
          "url": "https://files.pythonhosted.org/packages/ec/a8/sampleproject-3.0.0-py3-none-any.whl",
          "hashes": {"sha256": "\(sha256Wheel)"},
          "requires-python": ">=3.8",
          "core-metadata": {"sha256": "\(sha256Metadata)"},
          "data-dist-info-metadata": {"sha256": "\(sha256Metadata)"},
          "size": 4662,
          "upload-time": "2024-10-24T23:55:29.015467Z",
          "yanked": false
        },
        {
          "filename": "sampleproject-3.0.0.tar.gz",
          "url": "https://files.pythonhosted.org/packages/67/2a/sampleproject-3.0.0.tar.gz",
          "hashes": {"sha256": "\(sha256Sdist)"},
          "requires-python": ">=3.8",
          "core-metadata": false,
          "data-dist-info-metadata": false,
          "size": 5221,
          "upload-time": "2024-10-24T23:55:30.180346Z",
          "yanked": false
        },
        {
          "filename": "sampleproject-1.2.0-py2.py3-none-any.whl",
          "url": "https://files.pythonhosted.org/packages/aa/bb/sampleproject-1.2.0-py2.py3-none-any.whl",
          "hashes": {"sha256": "\(sha256Old)"},
          "requires-python": ">=2.7, !=3.0.*, !=3.1.*, <4",
          "gpg-sig": false,
          "size": 3795,
          "upload-time": "2015-06-14T14:38:05.093750Z",
          "yanked": "Broken metadata & wrong tags"
        }
      ]
    }
    """

    /// download.pytorch.org/whl/torch/ (release channel shape): a TIMESTAMP comment that changes on
    /// every rebuild, root-relative hrefs with `+` percent-encoded as `%2B`, sha256 fragments,
    /// `data-requires-python` escaped, PEP 658 attributes on newer files only.
    static func torchHTML(timestamp: Int = 1_732_526_400) -> String {
        """
        <!DOCTYPE html>
        <html>
          <body>
            <h1>Links for torch</h1>
            <a href="/whl/cpu/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=\(sha256Wheel)" data-requires-python="&gt;=3.9" data-dist-info-metadata="sha256=\(sha256Metadata)" data-core-metadata="sha256=\(sha256Metadata)">torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl</a><br/>
            <a href="/whl/cu121/torch-2.5.1%2Bcu121-cp311-cp311-win_amd64.whl#sha256=\(sha256Sdist)" data-requires-python="&gt;=3.9">torch-2.5.1+cu121-cp311-cp311-win_amd64.whl</a><br/>
            <a href="/whl/torch-1.13.1-cp38-none-macosx_11_0_arm64.whl#sha256=\(sha256Old)">torch-1.13.1-cp38-none-macosx_11_0_arm64.whl</a><br/>
          </body>
        </html>
        <!--TIMESTAMP \(timestamp)-->
        """
    }

    /// download.pytorch.org/whl/nightly/torch/: no hash fragments at all.
    static let torchNightlyHTML = """
    <!DOCTYPE html>
    <html>
      <body>
        <h1>Links for torch</h1>
        <a href="/whl/nightly/cpu/torch-2.6.0.dev20241112%2Bcpu-cp312-cp312-linux_x86_64.whl" data-requires-python="&gt;=3.9">torch-2.6.0.dev20241112+cpu-cp312-cp312-linux_x86_64.whl</a><br/>
        <a href="/whl/nightly/cu124/torch-2.6.0.dev20241112%2Bcu124-cp312-cp312-linux_x86_64.whl" data-requires-python="&gt;=3.9">torch-2.6.0.dev20241112+cu124-cp312-cp312-linux_x86_64.whl</a><br/>
      </body>
    </html>
    <!--TIMESTAMP 1731400000-->
    """
}
