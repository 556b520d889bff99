// The whole UI renders in the browser (a static build behind the UI server); the library's
// translations are set up once, English unless the browser or ?lng= asks for another.
import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';

import { i18nNamespaces } from '@temporalio/ui/i18n/index';
import resources from '@temporalio/ui/i18n/locales/index';

export const ssr = false;
export const prerender = false;

export const load = async (): Promise<void> => {
  await i18next.use(LanguageDetector).init({
    fallbackLng: 'en',
    load: 'languageOnly',
    ns: i18nNamespaces,
    defaultNS: 'common',
    detection: {
      order: ['querystring', 'localStorage', 'navigator'],
      caches: ['localStorage'],
      lookupQuerystring: 'lng',
      lookupLocalStorage: 'locale',
    },
    resources,
  });
};
