"""Write a generated series as DICOM MR Image Storage files, pixels JPEG-LS Lossless compressed.

JPEG-LS Lossless (PS3.5 section 8.2.3, transfer syntax 1.2.840.10008.1.2.4.80) keeps every
stored value. Measured on the 27 shipped cases' studies (3,916 frames, 1.66 GB of raw pixels):
JPEG-LS stores them in 0.13 of the raw bytes (225 MB on disk), RLE Lossless in 0.20 (344 MB),
deflate in 0.19 and lossless JPEG 2000 in 0.14. JPEG-LS encodes in less than half RLE's time
per frame; the viewer decodes it with CharLS (``pyjpegls``) in about 2.3x RLE's time per frame
(1.8 ms against 0.8 ms for the phantom's frames), lossless JPEG 2000 17x. ``ENCODING`` names
the transfer syntax written (``ENCODERS`` the ones this writer can write).

Every file says it is synthetic: the patient name and id, the image comments and the
de-identification flags. UIDs come from the study description, so files are reproducible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jpeg_ls
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels.encoders import RLELosslessEncoder
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, JPEGLSLossless, MRImageStorage, RLELossless

from cnoatlas import __version__

STUDY_DATE, STUDY_TIME = "20240105", "090000"
_SEQ = {
    # weighting -> ScanningSequence, SequenceVariant, ScanOptions, SequenceName
    "stir": ("SE\\IR", "SK\\SP", "", "tir2d"),
    "t1": ("SE", "SK\\SP", "", "tse2d"),
    "dwi": ("EP\\IR", "SK\\SP", "", "ep_b800"),
}


def _ds(v: float) -> str:
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


BITS_STORED = 12


def _rle(frame) -> bytes:
    rows, cols = frame.shape
    return RLELosslessEncoder.encode(
        frame, rows=rows, columns=cols, samples_per_pixel=1, bits_allocated=16,
        bits_stored=BITS_STORED, pixel_representation=0,
        photometric_interpretation="MONOCHROME2", number_of_frames=1,
    )  # fmt: skip


def _jpeg_ls(frame) -> bytes:
    """A JPEG-LS Lossless codestream of one uint16 frame, sample precision 12 (BitsStored).

    CharLS is called directly: the same bytes as pydicom's JPEG-LS encoder (which calls the
    same function), without its checks and copies of the array (half the time per frame)."""
    rows, cols = frame.shape
    data = jpeg_ls.encode_buffer(
        frame.astype("<u2", copy=False).tobytes(), rows, cols, 1, BITS_STORED, lossy_error=0
    )
    return bytes(data)


# transfer syntax -> frame encoder; ENCODING is what write_series writes
ENCODERS = {JPEGLSLossless: _jpeg_ls, RLELossless: _rle}
ENCODING = JPEGLSLossless


def write_series(study: Any, series: Any, folder: Path, encoding: str | None = None) -> list[Path]:
    """One file per slice of ``series`` (a ``study.Series`` of ``study``, a ``study.Study``),
    pixels in the transfer syntax ``encoding`` (``ENCODING`` unless given; one of ``ENCODERS``).

    Typed loosely on purpose: ``study`` calls this writer, so the writer does not import it.
    """
    syntax = ENCODING if encoding is None else encoding
    encode = ENCODERS[syntax]
    folder.mkdir(parents=True, exist_ok=True)
    desc = study.description
    w = series.weighting
    scanning, variant, options, seq_name = _SEQ[w.name]
    patient = f"SYNTHETIC^{(desc.case_id or 'PHANTOM').upper()}"
    patient_id = f"SYNTH-{desc.digest()[:10].upper()}"
    rows_sp, cols_sp = series.pixel_spacing
    iop = [*series.row_vector, *series.col_vector]
    out = []
    for k in range(series.pixels.shape[0]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = series.sop_uids[k]
        meta.TransferSyntaxUID = syntax
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        meta.ImplementationVersionName = f"CNOATLAS_{__version__}"[:16]
        path = folder / f"IM{k + 1:04d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SpecificCharacterSet = "ISO_IR 100"
        image_type = ["ORIGINAL", "PRIMARY", "OTHER"]
        if w.kind == "dwi":
            image_type = ["ORIGINAL", "PRIMARY", "DIFFUSION", "NONE"]
        ds.ImageType = image_type
        ds.InstanceCreationDate, ds.InstanceCreationTime = STUDY_DATE, STUDY_TIME
        ds.SOPClassUID = MRImageStorage
        ds.SOPInstanceUID = series.sop_uids[k]
        ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = STUDY_DATE
        ds.StudyTime = STUDY_TIME
        ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = f"09{series.number:02d}00"
        ds.AccessionNumber = ""
        ds.Modality = "MR"
        ds.Manufacturer = "CNO Atlas"
        ds.InstitutionName = "Synthetic data"
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = "WB-MRI (synthetic)"
        ds.SeriesDescription = series.description
        ds.ManufacturerModelName = "phantom generator"
        ds.PatientName = patient
        ds.PatientID = patient_id
        ds.IssuerOfPatientID = "CNO Atlas synthetic"
        ds.PatientBirthDate = ""
        ds.PatientSex = desc.sex
        ds.PatientAge = f"{int(desc.age_years):03d}Y"
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "Synthetic image, no patient"
        if "feet" in series.key or "knees" in series.key:  # both: a paired part's laterality
            ds.ImageLaterality = "B"
        elif "pelvis" in series.key:
            ds.BodyPartExamined = "PELVIS"
        else:
            ds.BodyPartExamined = "WHOLEBODY"
        ds.ScanningSequence = scanning
        ds.SequenceVariant = variant
        ds.ScanOptions = options
        ds.MRAcquisitionType = "2D"
        ds.SequenceName = seq_name
        ds.AngioFlag = "N"
        ds.SliceThickness = _ds(series.grid.thickness)
        ds.RepetitionTime = _ds(w.tr_ms)
        ds.EchoTime = _ds(w.te_ms)
        if w.ti_ms is not None:
            ds.InversionTime = _ds(w.ti_ms)
        ds.NumberOfAverages = "1"
        ds.ImagingFrequency = "63.87"  # 1H at 1.5 T
        ds.ImagedNucleus = "1H"
        ds.EchoNumbers = "1"
        ds.MagneticFieldStrength = "1.5"
        ds.SpacingBetweenSlices = _ds(series.slice_spacing)
        ds.EchoTrainLength = str(w.etl)
        ds.SoftwareVersions = f"cnoatlas {__version__}"
        ds.ProtocolName = f"WB-MRI {series.description}"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = study.study_uid
        ds.SeriesInstanceUID = series.series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = str(series.number)
        ds.AcquisitionNumber = "1"
        ds.InstanceNumber = str(k + 1)
        ds.ImagePositionPatient = [_ds(v) for v in series.position(k)]
        ds.ImageOrientationPatient = [_ds(v) for v in iop]
        ds.FrameOfReferenceUID = study.frame_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = _ds(float(series.position(k) @ series.normal))
        ds.ImageComments = "Synthetic image made by the CNO Atlas generator; not a patient."
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = series.pixels.shape[1], series.pixels.shape[2]
        ds.PixelSpacing = [_ds(rows_sp), _ds(cols_sp)]
        ds.BitsAllocated = 16
        ds.BitsStored = BITS_STORED
        ds.HighBit = BITS_STORED - 1
        ds.PixelRepresentation = 0
        ds.WindowCenter = _ds(series.window[0])
        ds.WindowWidth = _ds(series.window[1])
        ds.BurnedInAnnotation = "NO"
        ds.LossyImageCompression = "00"
        ds.PixelData = encapsulate([encode(series.pixels[k])])
        ds["PixelData"].VR = "OB"
        ds.save_as(path, enforce_file_format=True)
        out.append(path)
    return out
