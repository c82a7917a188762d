import Foundation
import HTTPCaching

/// Whether to download and keep a response's body, decided from its head.
public enum RecordingPlan: Sendable, Hashable {
    /// Stream the body into a ``BlobWriter`` and pass the blob to ``Store/record(request:response:body:requestTime:responseTime:archivingRefused:)-(HTTPRequestHead,_,_,_,_,_)``.
    case keepBody(ResponseDisposition)
    /// Do not keep the body: HTTP rules refuse the response (the reasons).
    case discardBody(refusalReasons: [RefusalReason])
}
