//! Library tests of the preview: plans paired with resources, before sides, locales.
