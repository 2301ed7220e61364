"""Image data without Qt: DICOM series loading, the synthetic phantom, de-identification."""
