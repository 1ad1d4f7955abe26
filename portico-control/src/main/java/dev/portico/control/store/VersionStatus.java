package dev.portico.control.store;

/** Where a version stands. At most one version of an app is {@link #ACTIVE}. */
public enum VersionStatus {
    /** Recorded; its containers are starting. */
    DEPLOYING,
    /** Serving traffic. */
    ACTIVE,
    /** Was active; replaced by a later version. */
    SUPERSEDED,
    /** Never became active; the reason says why. */
    FAILED
}
