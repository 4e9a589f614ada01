// Output formats the renderers produce and the content type each is served with.

export const FORMATS = ['png', 'svg', 'webp', 'jpeg', 'pdf', 'eps'] as const;
export type Format = (typeof FORMATS)[number];

/** Content-Type header per format. */
export const CONTENT_TYPES: Record<Format, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  eps: 'application/postscript',
};

/** File extension per format (batch ZIP entries, downloads). */
export const FILE_EXTENSIONS: Record<Format, string> = {
  png: '.png',
  svg: '.svg',
  webp: '.webp',
  jpeg: '.jpg',
  pdf: '.pdf',
  eps: '.eps',
};
